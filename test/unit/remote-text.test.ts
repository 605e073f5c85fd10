// sanitizeRemoteText (src/admin/push/remote-text.ts): what a secondary's output may still contain
// once the push runner has captured it.
import { describe, expect, it } from 'vitest';
import { sanitizeRemoteText } from '../../src/admin/push/remote-text.js';

const clean = (text: string, oneLine = false): string => sanitizeRemoteText(text, { maxChars: 1000, oneLine });

describe('sanitizeRemoteText', () => {
  // Attack: escape sequences in a secondary's stderr act on the terminal that shows the mail or log.
  it.each([
    ['plain text and UTF-8 stay', 'rsync: é ✓ done\n\tnext', 'rsync: é ✓ done\n\tnext'],
    ['OSC title (BEL)', 'a\u001b]0;pwned\u0007b', 'ab'],
    ['OSC title (ST)', 'a\u001b]2;pwned\u001b\\b', 'ab'],
    ['OSC 8 hyperlink', '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\', 'click'],
    ['CSI clear screen and colours', '\u001b[2J\u001b[1;31mred\u001b[0m', 'red'],
    ['8-bit CSI', 'a\u009b31mb', 'ab'],
    ['8-bit OSC', 'a\u009d0;t\u009cb', 'ab'],
    ['two-byte escapes', 'a\u001bcb\u001b(Bc', 'abc'],
    ['a lone ESC at the end', 'a\u001b', 'a'],
    ['CR, BS, DEL, NUL', 'ok\rFAKE\u0008\u007f\u0000!', 'okFAKE!'],
    ['bidi overrides', 'a\u202egnp.exe\u202c\u2066b\u2069', 'agnp.exeb'],
  ])('%s', (_name, input, expected) => {
    expect(clean(input)).toBe(expected);
  });

  // Attack: `|` starts Nagios perfdata, so a reason with one forges the graph.
  it('one line for a status reason: no newlines, no `|`', () => {
    expect(clean('denied\n| fake_perf=0;1;2\n', true)).toBe('denied ¦ fake_perf=0;1;2');
  });

  it('caps the length and says how much was cut', () => {
    const out = sanitizeRemoteText('A'.repeat(5000), { maxChars: 100 });
    expect(out).toHaveLength(100);
    expect(out).toMatch(/^A+ … \[4\d{3}\+ characters cut\]$/);
    expect(sanitizeRemoteText('A'.repeat(100), { maxChars: 100 })).toBe('A'.repeat(100));
  });

  it('leaves nothing a terminal acts on, whatever the input', () => {
    let all = '';
    for (let code = 0; code < 0x200; code++) all += String.fromCharCode(code);
    expect(clean(all + '\u202e\u2066').replace(/[\n\t]/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});
