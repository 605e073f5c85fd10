// The gate's own failures reach the primary as what they are. Before: a zone set kept busy by a
// stuck push refused later ones with 83, but the primary's rsync usually exited first with its own
// protocol error (12), and a gate killed while checking or reloading looked like a dropped ssh link.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, zonegate } from '../helpers/admin-cli.js';
import { processes, waitFor } from '../helpers/procs.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;
const running: ChildProcess[] = [];

beforeAll(async () => {
  world = await makePushWorld();
});
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  world.endSessions(world.slow);
  world.endSessions(world.healthy);
});
afterAll(async () => world?.stop());

function startPush(config: string, target: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [ADMIN, 'push', '--config', config, target], { stdio: ['ignore', 'ignore', 'pipe'], env: {} });
  running.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.once('close', (code) => {
      resolve({ code, stderr });
    });
  });
}

const runLogs = (): string =>
  readdirSync(world.logDir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(join(world.logDir, f), 'utf8'))
    .join('');

describe("the gate's own failures, as the primary reports them", () => {
  it('a zone set kept busy by a stuck push: refused as busy (83), retried, and the reason shown', async () => {
    const stuck = world.writeConfig([world.slow], {}, { slow: { timeoutSeconds: 3600, retries: 0 } });
    // Only the transfer sleeps, not the gate's `rsync --help` probe (which has its own timeout).
    const wrapper = join(world.dir, 'slow-rsync');
    writeFileSync(
      wrapper,
      '#!/bin/sh\ncase "$1" in --help|--version) exec /usr/bin/rsync "$@";; esac\nsleep 600\nexec /usr/bin/rsync "$@"\n',
    );
    const holder = startPush(stuck, 'slow');
    // The gate runs the transfer only once it holds the zone-set lock.
    await waitFor(() => (processes().some((p) => p.argv.includes(wrapper) && p.argv.includes('--server')) ? true : undefined));
    // A second primary (its own lock): the first one's run is still going.
    const config = world.writeConfig(
      [world.slow],
      { backoffSeconds: [0], lockFile: join(world.dir, 'second-primary.lock') },
      { slow: { timeoutSeconds: 120, retries: 1 } },
    );
    const refused = await zonegate(['push', '--config', config, 'slow']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /slow: failed \(exit 83\): gate: zone set busy with another push: denied: zone set ext-slow is busy with another push; gave up after 2 s/,
    );
    expect(runLogs()).toMatch(/slow: transient failure \(exit 83: gate: zone set busy with another push\); retry in 0 ms/);
    const status = JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { targets: Record<string, { lastReason: string }> };
    };
    expect(status.push.targets['slow']?.lastReason).toMatch(/^gate: zone set busy with another push: denied: zone set ext-slow is busy/);
    world.endSessions(world.slow);
    expect((await holder).code).not.toBe(0);
  });

  it('a gate killed while checking the zones: the primary says so, not "ssh connection failed"', async () => {
    const gateConf = join(world.healthy.root, '..', 'gate.conf');
    const original = readFileSync(gateConf, 'utf8');
    const mark = join(world.dir, 'checker-started');
    const checker = join(world.dir, 'slow-checker');
    writeFileSync(checker, `#!/bin/sh\necho "$$" > ${mark}\nexec sleep 600\n`);
    chmodSync(checker, 0o755);
    const policy = JSON.parse(original) as {
      gate: Record<string, unknown>;
      keys: { primary: { rules: { zoneSet: Record<string, unknown> }[] } };
    };
    policy.gate['sandbox'] = 'off';
    for (const rule of policy.keys.primary.rules) rule.zoneSet['checker'] = [checker];
    writeFileSync(gateConf, JSON.stringify(policy), { mode: 0o600 });
    const live = (): string[] => (existsSync(join(world.healthy.root, 'current')) ? readdirSync(join(world.healthy.root, 'current')) : []);
    const before = live();
    try {
      const config = world.writeConfig([world.healthy], {}, { healthy: { retries: 0 } });
      const push = startPush(config, 'healthy');
      await waitFor(() => (existsSync(mark) ? true : undefined));
      // The attack on the report, not on the data: the gate dies mid-check (OOM killer, an admin).
      world.endSessions(world.healthy);
      const result = await push;
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/healthy: failed \(exit (255|12)\): the gate on the target ended without a result after the transfer/);
      expect(result.stderr).not.toMatch(/ssh connection failed/);
      // Nothing was promoted.
      expect(live()).toEqual(before);
    } finally {
      writeFileSync(gateConf, original, { mode: 0o600 });
    }
    // The next ordinary push recovers and goes through.
    expect((await zonegate(['push', '--config', world.writeConfig([world.healthy]), 'healthy'])).exitCode).toBe(0);
  });

  it("a stuck secondary's gate lets the zone set go once its client is gone, so the next push is not refused as busy", async () => {
    const wrapper = join(world.dir, 'slow-rsync');
    // The transfer hangs for good (a wedged disk, a stalled read): only a kill ends it.
    writeFileSync(wrapper, '#!/bin/sh\ncase "$1" in --help|--version) exec /usr/bin/rsync "$@";; esac\nexec sleep 600\n');
    const gateConf = join(world.slow.root, '..', 'gate.conf');
    const config = world.writeConfig([world.slow], {}, { slow: { timeoutSeconds: 3600, retries: 0 } });
    const child = spawn(process.execPath, [ADMIN, 'push', '--config', config, 'slow'], { stdio: 'ignore', env: {} });
    running.push(child);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const gatePgid = await waitFor(() => {
      const gate = processes().find((p) => p.argv.includes(gateConf));
      return gate !== undefined && processes().some((p) => p.pgid === gate.pgid && p.argv[0] === 'sleep') ? gate.pgid : undefined;
    });
    // The primary gives up (here: its run is stopped; a timeout does the same): its ssh goes away.
    child.kill('SIGTERM');
    await exited;
    // The gate notices, stops the stuck transfer and ends: nothing of that session is left.
    await waitFor(() => (processes().some((p) => p.pgid === gatePgid) ? undefined : true));
    const secondaryConf = join(world.slow.root, '..', 'gate.conf');
    const status = JSON.parse((await zonegate(['status', '--config', secondaryConf, '--json'])).stdout) as {
      zoneSets: { lastPush?: { outcome: string; reason: string } }[];
    };
    expect(status.zoneSets[0]?.lastPush).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/^rsync failed \(exit 143\)/) as string,
    });
    writeFileSync(wrapper, '#!/bin/sh\nexec /usr/bin/rsync "$@"\n');
    const next = await zonegate(['push', '--config', world.writeConfig([world.slow]), 'slow']);
    expect(next.exitCode).toBe(0);
  });
});
