// A helper's output reads the same way run after run: its stderr first, then its stdout, whatever
// order the two pipes delivered them in. nsd-checkzone prints the error on stderr and the error
// count on stdout; mixed as they arrived, the refusal a client saw depended on the machine's load.

import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/zoneset/run-command.js';

describe('runCommand', () => {
  it('puts stderr before stdout, even when stdout was written and flushed first', async () => {
    // The shell writes stdout first: mixed as they arrived, the count would usually come first.
    const result = await runCommand(['/bin/sh', '-c', 'echo "zone p.example has 1 errors"; echo "error: bad address" >&2; exit 1']);
    expect(result.status).toBe(1);
    expect(result.output).toBe('error: bad address\nzone p.example has 1 errors\n');
  });

  it('caps what it keeps of both streams together', async () => {
    const result = await runCommand(
      ['/bin/sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x; head -c 200000 /dev/zero | tr "\\0" y >&2'],
      30_000,
      {
        maxOutput: 1000,
      },
    );
    expect(result.status).toBe(0);
    // Two lines longer than the cap, neither ended within it: nothing of them is kept.
    expect(result.output).toBe('');
    expect(result.truncated).toBe(true);
  });

  // attack: a zone whose checker output runs past the cap (named-checkconf prints a warning per
  // non-terminal wildcard: 2.4 MB of zone text, 16 MB of output) so that the cap cuts another
  // zone's "loaded serial 2026112601" line after "loaded serial 2026": a line cut short reads as
  // a whole line with another number in it. Only whole lines are kept.
  it('keeps only whole lines when it caps the output: a line cut short is dropped, never read', async () => {
    // The long line cannot end inside any chunk a pipe delivers before the cap: its cut is certain.
    const result = await runCommand(
      ['/bin/sh', '-c', `printf 'first line\\n'; head -c 200000 /dev/zero | tr '\\0' x; printf '\\nlast\\n'`],
      30_000,
      {
        maxOutput: 1000,
      },
    );
    expect(result.status).toBe(0);
    expect(result.output).toBe('first line\n');
    expect(result.truncated).toBe(true);
  });

  it('cuts at the cap itself, the same wherever the pipe split the output', async () => {
    // Lines of 10 octets on stdout, 4 on stderr: whatever arrived first, no line is kept in part.
    const result = await runCommand(['/bin/sh', '-c', 'yes 123456789 | head -n 50000; yes abc | head -n 10 >&2'], 30_000, {
      maxOutput: 1005,
    });
    expect(result.output.length).toBeLessThanOrEqual(1005);
    expect(result.output.endsWith('\n')).toBe(true);
    expect(result.output.split('\n').every((line) => line === '' || line === '123456789' || line === 'abc')).toBe(true);
  });

  it('an output within the cap is whole and not marked', async () => {
    const result = await runCommand(['/bin/sh', '-c', 'printf "a\\nno newline at the end"'], 30_000, { maxOutput: 1000 });
    expect(result.output).toBe('a\nno newline at the end');
    expect(result.truncated).toBeFalsy();
  });
});
