// `zonegate push` against a real sshd and the real gate: editor and backup files beside the zones
// are never sent (push.skipPatterns, and `~` in a target's --exclude), and a push that adds or
// removes zones on a secondary says so on stderr even when it succeeds (cron mails it).
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';
import { soaZone } from '../lab/zones.js';

let world: PushWorld;

const liveFiles = (): string[] => readdirSync(join(world.healthy.root, 'current')).sort();

beforeAll(async () => {
  world = await makePushWorld();
});
afterAll(async () => world?.stop());

describe('push: the served zone list and editor leftovers', () => {
  it('a successful push that adds zones names them on stderr (exit 0)', async () => {
    const run = await zonegate(['push', '--config', world.writeConfig([world.healthy])]);
    expect(run.stderr).toBe('zonegate push: healthy: zones added on the secondary: zone0.example zone1.example zone2.example');
    expect(run.exitCode).toBe(0);
    expect(liveFiles()).toEqual(['db.zone0.example', 'db.zone1.example', 'db.zone2.example']);
  });

  it('never sends editor and backup files, and accepts ~ in a target --exclude', async () => {
    // accident: `cp db.zone0.example db.zone0.example.bak` used to become a new zone on every
    // secondary at the next cron push; `db.zone1.example~` blocked the whole target.
    const src = (name: string): string => join(world.source, name);
    copyFileSync(src('db.zone0.example'), src('db.zone0.example.bak'));
    for (const name of ['db.zone1.example~', '.#db.zone2.example', '#db.zone2.example#', 'db.zone2.example.swp', 'db.zone2.example.orig'])
      copyFileSync(src('db.zone1.example'), src(name));
    copyFileSync(src('db.zone1.example'), src('db.zone1.example.old~'));
    writeFileSync(src('db.zone1.example'), soaZone('zone1.example', 2024010101));
    const config = world.writeConfig([world.healthy], {}, { healthy: { rsyncOptions: ['--exclude=*.old~'] } });
    const run = await zonegate(['push', '--config', config]);
    // Only a changed zone: the served zone list did not change, so the run is quiet.
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(liveFiles()).toEqual(['db.zone0.example', 'db.zone1.example', 'db.zone2.example']);
  });

  it('with skipPatterns [], the backup files block the push again (not zone files; nothing is sent)', async () => {
    const config = world.writeConfig([world.healthy], { skipPatterns: [] });
    const run = await zonegate(['push', '--config', config]);
    expect(run.stderr).toMatch(/does not match the zone file pattern/);
    expect(run.exitCode).toBe(2);
    expect(liveFiles()).toEqual(['db.zone0.example', 'db.zone1.example', 'db.zone2.example']);
  });

  it('a successful push that removes a zone names it on stderr (exit 0)', async () => {
    rmSync(join(world.source, 'db.zone2.example'));
    const run = await zonegate(['push', '--config', world.writeConfig([world.healthy])]);
    expect(run.stderr).toBe('zonegate push: healthy: zones removed on the secondary: zone2.example');
    expect(run.exitCode).toBe(0);
    expect(liveFiles()).toEqual(['db.zone0.example', 'db.zone1.example']);
  });
});
