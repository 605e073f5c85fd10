// `zonegate status` on a secondary, with a real named, rndc and dig: beyond the age of the last good
// push it shows the last push's outcome and reason (promoted, refused, rolled back: written by the
// gate into state.json), the free space of the zone set's filesystem, and whether the configured
// server answers. Before, a refused or rolled-back push and a stopped named left every status OK.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, fakeSshEnv } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { startNamed, type Named } from '../lab/named.js';
import { soaZone, zoneSource } from '../lab/zones.js';

let named: Named;
let root: string;
let config: string;

interface ZoneSetJson {
  name: string;
  lastPush?: { outcome: string; status: number; reason: string; ref: string; time: string };
  space?: { availBytes: number; sizeBytes: number; availInodes: number; totalInodes: number };
  server: { kind: string; zone?: string; serial?: number };
}

function push(zones: Record<string, number | string>): { status: number | null; stderr: string } {
  const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', '--delete', `${zoneSource(zones)}/`, `secondary:${root}/`], {
    env: fakeSshEnv(config, 'primary'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const json = async (): Promise<ZoneSetJson> =>
  (JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as { zoneSets: ZoneSetJson[] }).zoneSets[0] as ZoneSetJson;
const nagios = (): Promise<{ exitCode: number | undefined; stdout: string }> => zonegate(['status', '--config', config, '--nagios']);

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-zs-status-'));
  root = join(base, 'zones');
  mkdirSync(join(root, '.zonegate'), { recursive: true });
  named = await startNamed({ zones: [], includeFiles: [{ path: join(root, '.zonegate/named-zones.conf') }] });
  config = join(base, 'zonegate.conf');
  const rule = {
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    zoneSet: {
      name: 'ext',
      zones: ['*.example'],
      // Only the SOA serial is read: a zone named refuses must reach the reload (and be rolled back).
      checker: false,
      rndc: ['/usr/sbin/rndc', ...named.rndcArgs],
      verify: { server: '127.0.0.1', port: named.port, timeoutSeconds: 1 },
      lockWaitSeconds: 30,
    },
  };
  const keys = { primary: { publicKey: fakeEd25519PublicKey(1), from: ['127.0.0.1'], rules: [rule] } };
  writeFileSync(config, JSON.stringify({ gate: { log: join(base, 'gate.log'), sandbox: 'auto' }, keys }, null, 2), { mode: 0o600 });
});
afterAll(async () => {
  await named.stop();
});

describe('zonegate status on a secondary', () => {
  it('a promoted push: outcome, free space and the server answering, Nagios OK with perfdata', async () => {
    expect(push({ 'a.example': 1, 'b.example': 1 }).status).toBe(0);
    const set = await json();
    expect(set.lastPush).toMatchObject({
      outcome: 'promoted',
      status: 0,
      reason: expect.stringMatching(/^zone set ext: release \S+ is live/) as string,
    });
    expect(set.space?.sizeBytes).toBeGreaterThan(0);
    expect(set.space?.availBytes).toBeGreaterThan(0);
    expect(set.server).toEqual({ kind: 'answers', server: `127.0.0.1#${String(named.port)}`, zone: 'a.example', serial: 1 });
    const check = await nagios();
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toMatch(/^ZONEGATE OK - /);
    expect(check.stdout).toMatch(/ 'zoneset_ext_server_up'=1;;1:;0;1 /);
    expect(check.stdout).toMatch(/ 'zoneset_ext_free'=\d+B;\d+:;\d+:;0;\d+/);
    const text = (await zonegate(['status', '--config', config])).stdout;
    expect(text).toMatch(/^ {4}last push promoted \d+ s ago/m);
    expect(text).toMatch(/^ {4}server 127\.0\.0\.1#\d+ answers for a\.example \(serial 1\)$/m);
    expect(text).toMatch(/^ {4}filesystem: [\d.]+ MiB free of [\d.]+ MiB/m);
  });

  it('a refused push (serial not increased): WARNING with the reason, named still serves the old zone', async () => {
    const refused = push({ 'a.example': 1, 'b.example': soaZone('b.example', 1, 'new IN A 192.0.2.9\n') });
    expect(refused.status).toBe(81);
    const set = await json();
    expect(set.lastPush).toMatchObject({ outcome: 'refused', status: 81, reason: expect.stringMatching(/b\.example/) as string });
    const check = await nagios();
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(/^ZONEGATE WARNING - zone set ext: last push refused \(exit 81\): .*b\.example/);
    const metrics = (await zonegate(['status', '--config', config, '--prometheus'])).stdout;
    expect(metrics).toMatch(/^zonegate_zoneset_last_push_ok\{zoneset="ext"\} 0$/m);
    expect(metrics).toMatch(/^zonegate_zoneset_last_push_exit_code\{zoneset="ext"\} 81$/m);
    expect(metrics).toMatch(/^# TYPE zonegate_zoneset_filesystem_avail_bytes gauge$/m);
    expect(await named.serial('b.example')).toBe(1);
  });

  it('a push named will not load is rolled back: WARNING "rolled-back", and the next good push clears it', async () => {
    // CNAME beside the SOA at the apex: readable serial, but named refuses the zone.
    const rolled = push({ 'a.example': soaZone('a.example', 2, '@ IN CNAME elsewhere.example.\n'), 'b.example': 1 });
    expect(rolled.status).toBe(84);
    expect((await json()).lastPush).toMatchObject({ outcome: 'rolled-back', status: 84 });
    const check = await nagios();
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(/zone set ext: last push rolled-back \(exit 84\)/);
    expect(await named.serial('a.example')).toBe(1);
    expect(push({ 'a.example': 3, 'b.example': 1 }).status).toBe(0);
    expect((await json()).lastPush).toMatchObject({ outcome: 'promoted' });
    expect((await nagios()).exitCode).toBe(0);
  });

  it('a stopped named: CRITICAL, and Prometheus says the server is down', async () => {
    await named.stop();
    const set = await json();
    expect(set.server).toMatchObject({ kind: 'silent', zone: 'a.example' });
    const check = await nagios();
    expect(check.exitCode).toBe(2);
    expect(check.stdout).toMatch(/^ZONEGATE CRITICAL - zone set ext: 127\.0\.0\.1#\d+ does not answer for a\.example/);
    expect((await zonegate(['status', '--config', config, '--prometheus'])).stdout).toMatch(
      /^zonegate_zoneset_server_up\{zoneset="ext"\} 0$/m,
    );
  });
});
