// The committed sweep is what the installed client sends today: re-running
// scripts/sweep-rsync-options.ts against the real rsync reproduces it line for line. A client
// upgrade that changes a line fails here, and the unit test then judges the new line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT, requireProgram } from '../helpers/gate.js';
import { readSweep } from '../helpers/option-sweep.js';

describe('scripts/sweep-rsync-options.ts', () => {
  it('reproduces the committed fixture from the real client', () => {
    requireProgram('rsync', 'rsync');
    const out = join(mkdtempSync(join(tmpdir(), 'zonegate-sweep-test-')), 'sweep.json');
    const run = spawnSync(process.execPath, [join(PROJECT, 'build/scripts/sweep-rsync-options.js'), out], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const fresh = readSweep(out);
    const committed = readSweep();
    expect(fresh.baseline).toEqual(committed.baseline);
    expect(fresh.lines).toEqual(committed.lines);
  }, 120_000);
});
