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
    expect(result.output.length).toBeLessThan(1000 + 65536 * 2);
    expect(result.output.length).toBeGreaterThan(0);
  });
});
