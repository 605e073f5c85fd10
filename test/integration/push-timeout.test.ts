// timeoutSeconds is one attempt's limit, as docs/configuration.md says. Before, it was a deadline
// over every attempt of a target: the first stuck attempt used it all and the retries never ran.
// Here each attempt against a secondary that never answers is killed at its own limit and retried.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { processes, waitFor } from '../helpers/procs.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;

beforeAll(async () => {
  // The slow secondary's rsync sleeps through any attempt; a later attempt's gate waits for the
  // zone-set lock (held by the first one's stuck session) rather than refusing it as busy.
  world = await makePushWorld({ slowLockWaitSeconds: 3600 });
});
afterAll(async () => {
  world.endSessions(world.slow);
  await world.stop();
});

describe('timeoutSeconds', () => {
  it('limits each attempt, and a timed-out attempt is retried with a fresh limit', async () => {
    const config = world.writeConfig([world.slow], { backoffSeconds: [0] }, { slow: { timeoutSeconds: 1, retries: 2 } });
    const result = await zonegate(['push', '--config', config]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/slow: timeout: timed out after 1 s; process group killed/);
    const log = readdirSync(world.logDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(world.logDir, f), 'utf8'))
      .join('');
    expect(log.match(/^\S+ slow: attempt \d+: /gm)).toHaveLength(3);
    expect(log.match(/slow: transient failure \(timed out after 1 s; process group killed\); retry in 0 ms/g)).toHaveLength(2);
    expect(log).toMatch(/slow: timeout after 3 attempt\(s\)/);
    const status = JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { targets: Record<string, { lastOutcome: string }> };
    };
    expect(status.push.targets['slow']).toMatchObject({ lastOutcome: 'timeout' });
    // Every attempt's rsync and ssh went with it (both carry the slow key's path in argv).
    await waitFor(() => (processes().some((p) => p.argv.some((a) => a.includes(world.slow.identity))) ? undefined : true));
  });
});
