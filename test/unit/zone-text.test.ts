// The zone-text reader's fast path (a line that is one whole record split at once) against its
// character loop: both must read every text the same way, records and doubts alike. The text is
// hostile (the guard and the pre-scan judge what this reader sees), so any difference could hide
// a record from them. Feeding one character at a time makes the reader use only its loop.
import { describe, expect, it } from 'vitest';
import { prng } from '../lab/prng.js';
import { ZoneTextReader, type ZoneRecordText } from '../../src/zoneset/zone-text.js';

interface Reading {
  records: ZoneRecordText[];
  flags: [boolean, boolean, boolean];
  error: string | undefined;
}

function read(chunks: readonly string[]): Reading {
  const records: ZoneRecordText[] = [];
  const reader = new ZoneTextReader((record) => records.push(record));
  let error: string | undefined;
  try {
    for (const chunk of chunks) reader.write(chunk);
    reader.end();
  } catch (caught) {
    error = caught instanceof RangeError ? 'RangeError' : String(caught);
  }
  return { records, flags: [reader.quoteCrossedLine, reader.unclosedAtEnd, reader.bareCarriageReturn], error };
}

const whole = (text: string): Reading => read([text]);
// By code point, as the reader's own loop walks a line.
const byChar = (text: string): Reading => read(Array.from(text));

describe('the fast path reads what the character loop reads', () => {
  it.each([
    ['a plain record', 'www IN A 192.0.2.1\n'],
    ['an omitted owner, a tab', '\tIN A 192.0.2.1\n'],
    ["the SOA's one-line parentheses", '@ IN SOA ns1 host ( 1 2 3 4 5 )\n'],
    ['parentheses glued to words', '@ IN SOA ns1 host (1 2 3 4 5)\n'],
    ['a trailing comment', 'www IN A 192.0.2.1 ; the web server\n'],
    ['a comment holding quotes and an open parenthesis', 'www IN A 192.0.2.1 ; "x ( \\\n'],
    ['a comment-only line', '; generated\n'],
    ['a stray closing parenthesis', 'www ) IN A 192.0.2.1\n'],
    ['parentheses over two lines', '@ IN SOA ns1 host (\n 1 2 3 4 5 )\n'],
    ['an opening parenthesis in a comment does not continue the record', 'a IN A 1 ; (\nb IN A 2\n'],
    ['a quoted semicolon', 'txt IN TXT "a;b" ; c\n'],
    ['an escaped semicolon', 'txt IN TXT a\\;b\n'],
    ['a quote before the comment', 'txt IN TXT "v=spf1 -all"\n'],
    ['a carriage return', 'www IN A 192.0.2.1\r\nx IN A 1\rfoo\n'],
    ['close then open', 'a ) ( b\nc d )\n'],
    ['no final newline', 'www IN A 192.0.2.1'],
    ['non-ASCII', 'ünï IN TXT ok ; 😀 (\n'],
    ['an RRSIG over lines', 'www IN RRSIG A 13 2 300 (\n 20261205225239 20261101000000 4711 example. ; c (\n AAAA )\n'],
  ])('%s', (_, text) => {
    expect(whole(text)).toEqual(byChar(text));
  });

  it('on 2,000 random texts of the characters that matter', () => {
    const random = prng(0x15);
    const alphabet = ['a', 'b', '1', ' ', ' ', '\t', '(', ')', ';', '"', '\\', '\n', '\n', '\r', 'é', '$'];
    for (let n = 0; n < 2000; n++) {
      const length = Math.floor(random() * 120);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)] ?? '').join('');
      const fast = whole(text);
      expect(fast, JSON.stringify(text)).toEqual(byChar(text));
      // And in two chunks split anywhere, as a file is read.
      const cut = Math.floor(random() * (length + 1));
      expect(read([text.slice(0, cut), text.slice(cut)]), JSON.stringify(text)).toEqual(fast);
    }
  });
});
