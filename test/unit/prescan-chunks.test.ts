// The pre-scan reads every pushed file through one shared 64 KiB buffer and hands the DNSSEC guard
// its scan (src/zoneset/prescan.ts). Two ways that could let a signature past the guard, each
// checked against a reading of the whole text at once (scanSignatureText, no buffer, no chunks):
// - attack: a record cut at the buffer's edge (between \r and \n, inside a UTF-8 character, after
//   a backslash, inside a quoted ";", after the "(" of a multi-line RRSIG) read differently from
//   the same record in one piece, hiding the RRSIG that expires first;
// - attack: a short file scanned after a long one, read together with the long one's bytes still
//   in the shared buffer, so the scan is of text the file does not hold.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZONESET_LIMIT_DEFAULTS } from '../../src/shared/policy/defaults.js';
import { scanSignatureText } from '../../src/zoneset/dnssec-rrsig.js';
import { prescanZone } from '../../src/zoneset/prescan.js';

const CHUNK = 64 * 1024;
const ZONE = { zone: 'example.test', file: 'db.example.test' };
const SOA = '@ 300 IN SOA ns1 host 1 2 3 4 5\n';
const EARLY = '20200101000000';
const LATE = '20991231000000';
const sig = (expiration: string): string => `RRSIG A 13 2 300 ${expiration} 20190101000000 4711 example.test. AAAA`;

const dir = mkdtempSync(join(tmpdir(), 'zonegate-prescan-chunks-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function prescanText(text: string | Buffer): ReturnType<typeof prescanZone> {
  const path = join(dir, ZONE.file);
  writeFileSync(path, text);
  return prescanZone(path, ZONE, ZONESET_LIMIT_DEFAULTS);
}

/** `head` padded with a comment line so that `line` starts `cut` bytes before the buffer's edge. */
function cutAt(head: string, line: string, cut: number, tail = ''): string {
  const used = Buffer.byteLength(head);
  const pad = CHUNK - cut - used;
  return `${head};${'x'.repeat(pad - 2)}\n${line}${tail}`;
}

describe('a record cut at the 64 KiB buffer edge reads as the same record in one piece', () => {
  const head = `${SOA}www IN ${sig(LATE)}\n`;
  it.each<[string, string, number]>([
    ['between \\r and \\n', `a IN ${sig(EARLY)}\r\n`, Buffer.byteLength(`a IN ${sig(EARLY)}\r`)],
    ['inside a four-byte UTF-8 character', `a IN TXT "😀" ; ( \nb IN ${sig(EARLY)}\n`, Buffer.byteLength('a IN TXT "') + 2],
    ['right after a backslash', `a IN TXT x\\;y\nb IN ${sig(EARLY)}\n`, Buffer.byteLength('a IN TXT x\\')],
    ['inside a quoted ";" and "("', `a IN TXT "x;(y"\nb IN ${sig(EARLY)}\n`, Buffer.byteLength('a IN TXT "x;')],
    ['after the "(" of a multi-line RRSIG', `b IN RRSIG A 13 2 300 (\n ${EARLY} 20190101000000 4711 example.test. AAAA )\n`, 23],
    ['inside a comment holding a quote', `a IN A 192.0.2.1 ; "x\nb IN ${sig(EARLY)}\n`, Buffer.byteLength('a IN A 192.0.2.1 ; "')],
  ])('%s', (_, line, cut) => {
    const text = cutAt(head, line, cut);
    const bytes = Buffer.from(text);
    // The cut really is where the test says (the padding arithmetic is part of what is tested).
    expect(bytes.subarray(CHUNK - cut, CHUNK - cut + 8).toString('latin1')).toBe(Buffer.from(line).subarray(0, 8).toString('latin1'));
    const { scan } = prescanText(text);
    expect(scan).toEqual(scanSignatureText(text, ZONE.zone));
    // Every line above is a record zonegate can read: the early RRSIG is found, whatever the cut.
    expect(scan).toMatchObject({ kind: 'signed', earliest: { expires: Date.UTC(2020, 0, 1) / 1000 } });
  });

  it('a bare \\r at the very end of a chunk, with no \\n after it, is still doubted', () => {
    const text = cutAt(head, `a IN ${sig(EARLY)}\rb IN A 192.0.2.1\n`, Buffer.byteLength(`a IN ${sig(EARLY)}\r`));
    expect(prescanText(text).scan).toMatchObject({ kind: 'unreadable', why: 'a carriage return that does not end a line' });
  });
});

describe("the shared buffer: a file's scan holds only its own bytes", () => {
  it('a short unsigned file scanned after a long signed one is unsigned', () => {
    // The long file's first chunk: an expired RRSIG from byte 36 on, then more records.
    const long = `${SOA}www IN ${sig(EARLY)}\n${'h IN A 192.0.2.1\n'.repeat(6000)}`;
    expect(prescanText(long).scan).toMatchObject({ kind: 'signed' });
    // Shorter than where the long file's RRSIG sits, and without a final newline: had the scan
    // gone on into the buffer's stale bytes, it would have found that RRSIG or a broken record.
    const short = '@ 300 IN SOA ns1 host 1 2 3 4 5';
    expect(prescanText(short)).toEqual({ size: short.length, scan: { kind: 'unsigned' } });
  });

  it('a short signed file scanned after a long one keeps its own expiry, not the stale bytes', () => {
    prescanText(`${SOA}${`www IN ${sig('20300101000000')}\n`.repeat(3000)}`);
    const short = `${SOA}a IN ${sig(LATE)}`;
    expect(prescanText(short).scan).toEqual(scanSignatureText(short, ZONE.zone));
    expect(prescanText(short).scan).toMatchObject({ kind: 'signed', signatures: 1, earliest: { expires: Date.UTC(2099, 11, 31) / 1000 } });
  });

  it('an incomplete UTF-8 character at the end of one file does not join the next file', () => {
    // A lone lead byte of a four-byte character, last in the file: the decoder must not keep it
    // for the next file's first bytes (each file has its own decoder).
    const broken = Buffer.concat([Buffer.from(`${SOA}a IN TXT x`), Buffer.from([0xf0])]);
    expect(prescanText(broken).scan).toEqual({ kind: 'unsigned' });
    const next = `b IN ${sig(EARLY)}\n`;
    expect(prescanText(next).scan).toMatchObject({ kind: 'signed', earliest: { owner: 'b.example.test.' } });
  });
});
