// One attempt's output stream, captured with a fixed memory cost: a secondary that floods its output
// (attack: exhaust the primary's memory, one of a hundred targets at a time) gets its head and its
// tail kept and the middle counted, never more than the cap; the tail keeps the lines that decide
// the outcome (rsync's --stats, the gate's timing and exit lines).

import { describe, expect, it } from 'vitest';
import { makeCapture, TAIL_CHARS } from '../../src/admin/push/capture.js';

describe('makeCapture', () => {
  it('keeps short output whole', () => {
    const capture = makeCapture(1000, 100);
    capture.add('one\n');
    capture.add('two\n');
    expect(capture.text()).toBe('one\ntwo\n');
  });

  it('keeps head and tail of a flood, within the cap, and says how much was cut', () => {
    const max = 256 * 1024;
    const capture = makeCapture(max);
    capture.add('first line\n');
    for (let i = 0; i < 100; i++) capture.add('A'.repeat(64 * 1024));
    capture.add('\nzonegate: exit 77\n');
    const text = capture.text();
    expect(text.length).toBeLessThanOrEqual(max);
    expect(text.startsWith('first line\n')).toBe(true);
    expect(text.endsWith('\nzonegate: exit 77\n')).toBe(true);
    const cut = /\n… \[(\d+) characters cut\] …\n/.exec(text);
    // What was kept plus what was counted as cut is everything that came.
    expect(text.length - (cut?.[0].length ?? 0) + Number(cut?.[1])).toBe(11 + 100 * 64 * 1024 + 19);
    expect(text.slice(-TAIL_CHARS - 1)).not.toContain('characters cut');
  });

  it('never leaves half a surrogate pair at the cut', () => {
    const capture = makeCapture(200, 50);
    for (let i = 0; i < 200; i++) capture.add('😀');
    const text = capture.text();
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});
