// A loopback lab for zone-set recovery tests: one real named (no views) serving the zones of one
// or more zone sets through their include files, a config with one key per zone set, and pushes
// with the real rsync client through fake-ssh and the built gate. A zone set may live on its own
// small tmpfs (the suite runs as root) to fill its disk or its inode table for real.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_SSH, fakeSshEnv } from './gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { startNamed, type Named } from '../lab/named.js';
import { liveZones } from '../lab/zones.js';

export interface LabSet {
  name: string;
  /** tmpfs options (e.g. "size=2m,nr_inodes=64") to mount the zone set's root on. */
  tmpfs?: string;
  settings?: Record<string, unknown>;
}

export interface PushResult {
  status: number | null;
  stderr: string;
}

export interface ZoneSetLab {
  base: string;
  config: string;
  log: string;
  named: Named;
  root(name: string): string;
  push(name: string, dir: string, options?: { extra?: string[]; fault?: string }): PushResult;
  live(name: string): Record<string, string>;
  spareDir(name: string): string;
  records(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startZoneSetLab(sets: LabSet[], options: { sandbox?: 'auto' | 'required' } = {}): Promise<ZoneSetLab> {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-lab-'));
  const roots = new Map(sets.map((set) => [set.name, join(base, set.name)]));
  const mounted: string[] = [];
  for (const set of sets) {
    const root = roots.get(set.name) ?? '';
    mkdirSync(root);
    if (set.tmpfs !== undefined) {
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', set.tmpfs, 'zonegate-test', root], { encoding: 'utf8' });
      if (mount.status !== 0) throw new Error(`mount -t tmpfs failed (the suite runs as root): ${mount.stderr}`);
      mounted.push(root);
    }
    mkdirSync(join(root, '.zonegate'), { recursive: true });
  }
  const named = await startNamed({
    // push() blocks the event loop (spawnSync) for the whole push: a piped log would fill up and
    // stall named mid-reload once a push touches a hundred zones or more.
    logToFile: true,
    zones: [],
    includeFiles: sets.map((set) => ({ path: join(roots.get(set.name) ?? '', '.zonegate/named-zones.conf') })),
  });
  const log = join(base, 'gate.log');
  const config = join(base, 'zonegate.conf');
  const keys: Record<string, unknown> = {};
  for (const [index, set] of sets.entries()) {
    const zoneSet = {
      name: set.name,
      zones: [`*.${set.name}`],
      rndc: ['/usr/sbin/rndc', ...named.rndcArgs],
      verify: { server: '127.0.0.1', port: named.port },
      maxDeleteShare: 1,
      lockWaitSeconds: 30,
      ...set.settings,
    };
    keys[set.name] = {
      publicKey: fakeEd25519PublicKey(index + 1),
      from: ['127.0.0.1'],
      rules: [{ direction: 'upload', root: roots.get(set.name), paths: ['**'], delete: true, zoneSet }],
    };
  }
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: options.sandbox ?? 'auto' }, keys }, null, 2), { mode: 0o600 });
  const rootOf = (name: string): string => {
    const root = roots.get(name);
    if (root === undefined) throw new Error(`no zone set ${name} in the lab`);
    return root;
  };
  return {
    base,
    config,
    log,
    named,
    root: rootOf,
    push: (name, dir, options = {}) => {
      const env = { ...fakeSshEnv(config, name), ...(options.fault === undefined ? {} : { ZONEGATE_FAULT: options.fault }) };
      const args = ['-e', FAKE_SSH, '-rt', '--delete', ...(options.extra ?? []), `${dir}/`, `secondary:${rootOf(name)}/`];
      const result = spawnSync('rsync', args, { env, encoding: 'utf8', timeout: 120_000 });
      return { status: result.status, stderr: result.stderr };
    },
    live: (name) => liveZones(rootOf(name)),
    spareDir: (name) => {
      const root = rootOf(name);
      return join(root, 'trees', readlinkSync(join(root, 'current')) === 'trees/a' ? 'b' : 'a');
    },
    records: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    stop: async () => {
      await named.stop();
      for (const root of mounted) spawnSync('umount', ['-l', root]);
    },
  };
}

/** The spare holds the live zones: same names and bytes (links of the live files, or re-sent copies). */
export function spareMatchesLive(lab: ZoneSetLab, name: string): boolean {
  const spare = lab.spareDir(name);
  const files = Object.fromEntries(readdirSync(spare).map((file) => [file, readFileSync(join(spare, file), 'utf8')]));
  return JSON.stringify(Object.entries(files).sort()) === JSON.stringify(Object.entries(lab.live(name)).sort());
}

/** Inode facts of a live file that no push may change in place. */
export function inodeFacts(path: string): { ino: number; mode: number; uid: number; gid: number; mtimeMs: number } {
  const stat = statSync(path);
  return { ino: stat.ino, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtimeMs: stat.mtimeMs };
}
