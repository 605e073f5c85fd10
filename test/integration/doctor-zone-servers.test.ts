// `zonegate doctor` for the server behind each zone set, against real named, NSD and Knot: the
// checker and control program are found (with the package that installs them), the control
// channel answers, and a stopped server is a failure that names the command and what it said.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { KEY_A } from '../fixtures/public-keys.js';
import type { LabServer } from '../lab/dns-daemon.js';
import { startKnot } from '../lab/knot.js';
import { startNamed, type Named } from '../lab/named.js';
import { startNsd } from '../lab/nsd.js';

let base: string;
let named: Named;
let nsd: LabServer;
let knot: LabServer;
let config: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-doctor-servers-'));
  [named, nsd, knot] = await Promise.all([startNamed(), startNsd({ includeFiles: [] }), startKnot({ includeFiles: [] })]);
  const rule = (name: string, zoneSet: Record<string, unknown>): Record<string, unknown> => ({
    direction: 'upload',
    root: join(base, name),
    paths: ['**'],
    delete: true,
    zoneSet: { zones: ['*.example'], verify: false, ...zoneSet },
  });
  const rules = [
    rule('b', { control: named.rndcArgv([]) }),
    // rndc's -q is not an option the native path takes on: the program is used.
    rule('bq', { control: [...named.rndcArgv([]), '-q'] }),
    // An rndc key named does not accept: both ways fail, each saying so.
    rule('bbad', { control: ['/usr/sbin/rndc', '-c', staleRndcConf()] }),
    rule('n', { server: 'nsd', control: nsd.control }),
    rule('k', { server: 'knot', control: knot.control }),
    // A control program that is not there: reported missing, with the package to install, and not run.
    rule('gone', { server: 'knot', control: ['/nonexistent/knotc'] }),
  ];
  config = join(base, 'zonegate.conf');
  writeFileSync(
    config,
    JSON.stringify({ gate: { log: join(base, 'gate.log') }, keys: { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules } } }),
    {
      mode: 0o644,
    },
  );
});

function staleRndcConf(): string {
  const path = join(base, 'stale-rndc.conf');
  writeFileSync(path, readFileSync(named.rndcConf, 'utf8').replace(/secret "[^"]+"/, `secret "${Buffer.alloc(32, 4).toString('base64')}"`));
  return path;
}

afterAll(async () => {
  await Promise.all([named.stop(), nsd.stop(), knot.stop()]);
});

describe('zonegate doctor and the zone sets’ servers', () => {
  it('finds each checker and control program, and each control channel answers', async () => {
    const result = await zonegate(['doctor', '--config', config]);
    expect(result.stdout).toMatch(/^\[ ok \] zone set b: served by bind; its config must read .*\/b\/\.zonegate\/named-zones\.conf$/m);
    expect(result.stdout).toMatch(/^\[ ok \] zone set n: served by nsd; its config must read .*\/n\/\.zonegate\/nsd-zones\.conf$/m);
    expect(result.stdout).toMatch(/^\[ ok \] zone set k: served by knot; its config must read .*\/k\/\.zonegate\/knot-zones\.conf$/m);
    for (const program of [
      '/usr/bin/named-checkzone',
      '/usr/sbin/nsd-checkzone',
      '/usr/bin/kzonecheck',
      '/usr/sbin/nsd-control',
      '/usr/sbin/knotc',
    ])
      expect(result.stdout).toContain(`[ ok ] ${program} at ${program}`);
    expect(result.stdout).toMatch(/^\[ ok \] zone set b: bind answers \(\/usr\/sbin\/rndc -c \S+ status\)$/m);
    expect(result.stdout).toMatch(
      /^\[ ok \] zone set b: rndc commands go natively to named's control channel at 127\.0\.0\.1#\d+; it answers$/m,
    );
    expect(result.stdout).toMatch(/^\[ ok \] zone set bq: rndc commands run the rndc program$/m);
    expect(result.stdout).toMatch(/^\[FAIL\] zone set bbad: bind does not answer on its control channel$/m);
    expect(result.stdout).toMatch(
      /^\[FAIL\] zone set bbad: named does not take rndc commands sent natively to 127\.0\.0\.1#\d+\n {7}connection to remote host closed; every push/m,
    );
    expect(result.stdout).toMatch(/^\[ ok \] zone set n: nsd answers \(\/usr\/sbin\/nsd-control -c \S+ status\)$/m);
    expect(result.stdout).toMatch(/^\[ ok \] zone set k: knot answers \(\/usr\/sbin\/knotc -s \S+ status\)$/m);
    expect(result.stdout).toMatch(/^\[FAIL\] \/nonexistent\/knotc\n(?: {7}.*\n)*? {7}fix: apt-get install knot$/m);
    expect(result.stdout).not.toMatch(/zone set gone: knot (answers|does not answer)/);
  });

  it('a stopped server fails its control-channel check, naming the command and what it said', async () => {
    await nsd.stop();
    const result = await zonegate(['doctor', '--config', config]);
    expect(result.stdout).toMatch(
      /^\[FAIL\] zone set n: nsd does not answer on its control channel\n.*\/usr\/sbin\/nsd-control -c \S+ status exited 1: /m,
    );
    expect(result.stdout).toMatch(/^\[ ok \] zone set k: knot answers/m);
    expect(result.exitCode).toBe(1);
  });
});
