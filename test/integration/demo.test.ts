// The README's demo runs in CI as a test: the same script, which checks every step itself and
// exits 0 only when all of them did what they say; here we also check what a reader sees.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT } from '../helpers/gate.js';

describe('the demo (scripts/demo.ts, compiled to build/scripts/demo.js)', () => {
  it('runs end to end, every step ok, and cleans up', () => {
    const result = spawnSync(process.execPath, [join(PROJECT, 'build/scripts/demo.js')], { encoding: 'utf8', timeout: 180_000 });
    expect(result.stdout).not.toContain('FAILED');
    expect(result.stdout).toMatch(/ok: named serves example\.com with serial 2026112301/);
    expect(result.stdout).toMatch(/ok: denied \(exit 65\), nothing ran/);
    expect(result.stdout).toMatch(/ok: the secondary refuses it too, with named-checkzone's message \(exit 80\)/);
    expect(result.stdout).toContain('Demo complete: every step did what it says');
    expect(result.status).toBe(0);
    const base = /zonegate demo in (\S+):/.exec(result.stdout)?.[1];
    expect(base).toBeDefined();
    expect(spawnSync('test', ['-e', base ?? '/']).status).toBe(1);
    expect(spawnSync('pgrep', ['-f', base ?? 'nothing-to-match']).status).toBe(1);
  });
});
