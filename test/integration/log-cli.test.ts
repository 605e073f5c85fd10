// `zonegate log` over the real gate's audit log: every record carries a short `msg`, and the
// command filters and prints them for people (or as JSON lines) without jq.

import { appendFileSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_RSYNC, makeWorld, runGateProcess, type GateWorld } from '../helpers/gate.js';

let world: GateWorld;
beforeEach(() => {
  world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
});
afterEach(() => {
  rmSync(world.dir, { recursive: true, force: true });
});

describe('zonegate log', () => {
  it('shows allowed and refused requests with their msg, filtered by outcome, key and age', async () => {
    expect(runGateProcess(world, 'rsync --server -logDtpre.iLsfxCIvu . external/').status).toBe(0);
    expect(runGateProcess(world, 'rsync --server -logDtpre.iLsfxCIvu . ../outside/').status).toBe(77);
    // Every record the gate wrote has a short human msg.
    const records = world.readLog();
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const record of records) expect(record['msg']).toMatch(/^(allow|deny|finished) ns1/);
    // A record from two days ago, and a line that is not a record.
    appendFileSync(
      world.log,
      `${JSON.stringify({ level: 30, time: new Date(Date.now() - 2 * 86_400_000).toISOString(), component: 'gate', event: 'decision', verdict: 'deny', key: 'ns1', reason: 'old', ref: 'aaaaaa', msg: 'deny ns1: old (ref aaaaaa)' })}\n{torn\n`,
    );

    const all = await zonegate(['log', '--config', world.config]);
    expect(all.exitCode).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(records.length);
    expect(lines.every((line) => /^\d{4}-\d\d-\d\dT\S+ gate (info|warn|error) (allow|deny|finished) ns1/.test(line))).toBe(true);

    const denied = await zonegate(['log', '--config', world.config, '--since', '3d', '--outcome', 'deny']);
    expect(denied.stdout.trim().split('\n')).toEqual([
      expect.stringContaining('deny ns1: old (ref aaaaaa)'),
      expect.stringMatching(/deny ns1: \S+ \(ref [0-9a-f]{6}\)$/),
    ]);

    const json = await zonegate(['log', '--config', world.config, '--since', '12h', '--outcome', 'allow', '--json']);
    const allowed = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ event: 'decision', verdict: 'allow', key: 'ns1' });

    expect((await zonegate(['log', '--config', world.config, '--key', 'ns2'])).stdout).toBe('');
    const bad = await zonegate(['log', '--config', world.config, '--since', 'yesterday']);
    expect(bad.exitCode).toBe(64);
  });
});
