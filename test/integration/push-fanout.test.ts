// `zonegate push` to a fleet: 21 healthy secondaries (20 behind one sshd, each its own key, gate
// config and zone set, plus the push world's own), one that hangs mid-transfer (its rsync is held on
// the secondary) and one dead port, with concurrency 4. The hung and the dead one are listed first,
// so they take slots before anyone else: the others must all finish while the hung one is still
// held, the run never has more than 4 attempts at once, the summary names exactly the two, and the
// run log and `--json` say where each target's time went. Order and counts are asserted, never
// durations (timing goals live in the benchmark).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate, type RunResult } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld, type Secondary } from '../helpers/push-world.js';
import { startFleet, type Fleet } from '../lab/fleet.js';
import { until } from '../lab/wait.js';

const FLEET = 20;
const PHASES = ['connect', 'gate', 'transfer', 'check', 'promote', 'reload', 'verify'];

let world: PushWorld;
let fleet: Fleet;
let members: Secondary[];
let run: RunResult;
let reportedWhileHeld: string[];

interface Timing {
  attemptMs: number;
  phases: Record<string, number>;
  gate?: string;
}
interface TargetJson {
  target: string;
  kind: string;
  status: number | null;
  attempts: number;
  durationMs: number;
  timing: Timing | null;
}

const logText = (ext: string): string =>
  readdirSync(world.logDir)
    .filter((f) => f.endsWith(ext))
    .map((f) => readFileSync(join(world.logDir, f), 'utf8'))
    .join('');
/** Targets whose outcome the run has recorded so far (the pino events, one line each). */
const reported = (): string[] =>
  logText('.jsonl')
    .split('\n')
    .flatMap((line) => {
      try {
        const event = JSON.parse(line) as { event?: string; target?: string };
        return event.event === 'target' && event.target !== undefined ? [event.target] : [];
      } catch {
        return [];
      }
    });

beforeAll(async () => {
  world = await makePushWorld();
  fleet = await startFleet({ dir: world.dir, count: FLEET });
  members = fleet.members.map((m) => ({
    name: m.name,
    port: fleet.sshd.port,
    knownHosts: fleet.sshd.knownHosts,
    identity: m.identity,
    root: m.root,
    sshd: fleet.sshd,
  }));
  const config = world.writeConfig(
    [world.slow, world.down, ...members, world.healthy],
    { concurrency: 4 },
    // The hung target is never ended by its own limit here: the test ends it, once it has seen the
    // others through. No retry, so its end is its outcome.
    { slow: { timeoutSeconds: 600, retries: 0 } },
  );
  const pushing = zonegate(['push', '--config', config, '--json'], { timeout: 170_000 });
  const others = [...members.map((m) => m.name), 'healthy', 'down'];
  await until(
    () => world.slowStarted().length === 1 && others.every((name) => reported().includes(name)),
    'every other target to be reported while the hung one is held',
    150_000,
  );
  reportedWhileHeld = reported();
  // The hung secondary's session dies (its host went away): the attempt fails as a dropped link.
  world.endSessions(world.slow);
  run = await pushing;
}, 180_000);
afterAll(async () => {
  await fleet?.stop();
  await world?.stop();
});

describe('push to a fleet with one hung and one dead target, concurrency 4', () => {
  it('finishes every other target while the hung one is held, and reports it last', () => {
    expect(reportedWhileHeld).not.toContain('slow');
    expect(reportedWhileHeld).toHaveLength(FLEET + 2);
    expect(reported().at(-1)).toBe('slow');
    for (const member of [...members, world.healthy])
      expect(readdirSync(join(member.root, 'current')).sort()).toEqual(['db.zone0.example', 'db.zone1.example', 'db.zone2.example']);
  });

  it('exits 1 and names exactly the two failed targets, one line each, not the 21 that succeeded', () => {
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^zonegate push: 21 of 23 target\(s\) ok$/m);
    const listed = run.stderr.split('\n').filter((line) => /^ {2}\S+: /.test(line) && !line.startsWith('  log: '));
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(/^ {2}slow: failed \(exit \d+\): /);
    expect(listed[1]).toMatch(/^ {2}down: failed \(exit 255\): ssh connection failed: .*Connection refused$/);
  });

  it('never runs more than 4 attempts at once, and gives the dead target a slot per retry only', () => {
    const lines = logText('.log').split('\n');
    let open = 0;
    let most = 0;
    for (const line of lines) {
      if (/^\S+ \S+: attempt \d+: /.test(line)) open += 1;
      else if (/^\S+ \S+: (transient failure|(ok|failed|timeout|interrupted)( \(exit \d+\))? after \d+ attempt)/.test(line)) open -= 1;
      most = Math.max(most, open);
    }
    expect(open).toBe(0);
    expect(most).toBe(4);
    expect(lines.filter((line) => / down: attempt \d+: /.test(line))).toHaveLength(3);
  });

  it('--json gives every target its outcome and where its last attempt spent its time', () => {
    const doc = JSON.parse(run.stdout) as { exitCode: number; ok: number; failed: number; targets: TargetJson[] };
    expect(doc).toMatchObject({ exitCode: 1, ok: 21, failed: 2 });
    expect(doc.targets.map((t) => t.target)).toEqual(['slow', 'down', ...members.map((m) => m.name), 'healthy']);
    for (const target of doc.targets.filter((t) => t.kind === 'ok')) {
      const timing = target.timing;
      expect(timing, target.target).not.toBeNull();
      if (timing === null) continue;
      expect(Object.keys(timing.phases)).toEqual(PHASES);
      for (const ms of [timing.attemptMs, ...Object.values(timing.phases)]) expect(Number.isInteger(ms) && ms >= 0).toBe(true);
      expect(Object.values(timing.phases).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(timing.attemptMs);
      expect(timing.attemptMs).toBeLessThanOrEqual(target.durationMs);
    }
    // No gate line from a dead port or a session that died mid-transfer: only the attempt's length.
    for (const name of ['down', 'slow'])
      expect(doc.targets.find((t) => t.target === name)?.timing).toMatchObject({ phases: {}, gate: 'none' });
  });

  it('writes the same breakdown into the run log and its events', () => {
    const log = logText('.log');
    for (const name of [...members.map((m) => m.name), 'healthy'])
      expect(log).toMatch(
        new RegExp(
          `^\\S+ ${name}: timing: attempt \\d+ ms: connect \\d+, gate \\d+, transfer \\d+, check \\d+, promote \\d+, reload \\d+, verify \\d+, other \\d+$`,
          'm',
        ),
      );
    const events = logText('.jsonl')
      .split('\n')
      .filter((line) => line.includes('"event":"target"'))
      .map((line) => JSON.parse(line) as { target: string; timing?: Timing });
    expect(events.find((e) => e.target === 'm0')?.timing?.phases).toHaveProperty('transfer');
  });
});
