// `zonegate push` with a push key ssh would refuse: the target fails at once, not retried, and the
// summary (what cron mails) names the file and the fix instead of "Permission denied (publickey)".
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;

beforeAll(async () => {
  world = await makePushWorld();
});
afterAll(async () => world?.stop());

describe('push: the identity file is checked before ssh runs', () => {
  it('a world-readable key fails the target at once, naming the file and the fix', async () => {
    const exposed = join(world.dir, 'exposed_key');
    copyFileSync(world.healthy.identity, exposed);
    chmodSync(exposed, 0o644);
    const config = world.writeConfig([world.healthy], {}, { healthy: { identity: exposed } });
    const run = await zonegate(['push', '--config', config]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`the push key ${exposed} is readable by group or others (mode 644); ssh refuses it: chmod 600 ${exposed}`);
    expect(run.stderr).not.toContain('Permission denied');
    const status = JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { targets: Record<string, { lastOutcome?: string; lastReason?: string }> };
    };
    expect(status.push.targets['healthy']).toMatchObject({ lastOutcome: 'failed' });
    expect(status.push.targets['healthy']?.lastReason).toContain('readable by group or others');
  });

  it('a missing key says so', async () => {
    const missing = join(world.dir, 'no_such_key');
    const config = world.writeConfig([world.healthy], {}, { healthy: { identity: missing } });
    const run = await zonegate(['push', '--config', config]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`the push key ${missing} does not exist`);
  });
});
