// `zonegate init --role secondary` prepares a secondary before its first push: the zone-set
// directories with an empty named include (so named starts with the includes already in
// named.conf), the gate's log directory and a logrotate file, owned by the login account.

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { requireTool } from '../lab/tools.js';
import { KEY_A } from '../fixtures/public-keys.js';

let base: string;
beforeEach(() => {
  requireTool('/usr/bin/named-checkconf', 'bind9-utils');
  requireTool('/usr/sbin/logrotate', 'logrotate');
  base = mkdtempSync(join(tmpdir(), 'zonegate-init-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function writeConfig(): string {
  const config = join(base, 'etc', 'zonegate.conf');
  mkdirSync(join(base, 'etc'));
  const zoneSet = (name: string): Record<string, unknown> => ({
    direction: 'upload',
    root: join(base, 'lib', name),
    paths: ['**'],
    delete: true,
    zoneSet: { name, zones: ['example.com'], view: name, rndc: false, verify: false },
  });
  writeFileSync(
    config,
    JSON.stringify({
      gate: { log: join(base, 'log', 'zonegate', 'gate.log'), sandbox: 'off' },
      keys: { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules: [zoneSet('external'), zoneSet('internal')] } },
    }),
    { mode: 0o644 },
  );
  return config;
}

function namedConf(): string {
  const file = join(base, 'named.conf');
  writeFileSync(
    file,
    ['external', 'internal']
      .map(
        (view, n) =>
          `view "${view}" { match-clients { 127.0.0.${String(n + 1)}; }; include "${join(base, 'lib', view, '.zonegate', 'named-zones.conf')}"; };\n`,
      )
      .join(''),
  );
  return file;
}

describe('zonegate init --role secondary', () => {
  it('keeps the config and creates zone sets, include, log dir and logrotate file; named-checkconf passes before any push', async () => {
    const config = writeConfig();
    const before = readFileSync(config, 'utf8');
    const logrotate = join(base, 'logrotate.d', 'zonegate');
    mkdirSync(join(base, 'logrotate.d'));
    const result = await zonegate(['init', '--role', 'secondary', '--config', config, '--user', 'root', '--logrotate', logrotate]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`kept ${config}`);
    expect(readFileSync(config, 'utf8')).toBe(before);

    for (const set of ['external', 'internal']) {
      const root = join(base, 'lib', set);
      expect(readlinkSync(join(root, 'current'))).toBe('trees/a');
      expect(statSync(join(root, 'trees', 'b')).isDirectory()).toBe(true);
      expect(readFileSync(join(root, '.zonegate', 'named-zones.conf'), 'utf8')).not.toMatch(/^zone /m);
    }
    expect(statSync(join(base, 'log', 'zonegate')).isDirectory()).toBe(true);
    const checkconf = await execa('/usr/bin/named-checkconf', [namedConf()], { reject: false });
    expect(checkconf.stderr + checkconf.stdout).toBe('');
    expect(checkconf.exitCode).toBe(0);

    const rotation = readFileSync(logrotate, 'utf8');
    expect(rotation).toContain(`${join(base, 'log', 'zonegate', 'gate.log')} {`);
    expect(rotation).toContain('su root root');
    // logrotate itself parses it (debug mode: reads, decides, changes nothing).
    writeFileSync(join(base, 'log', 'zonegate', 'gate.log'), '{}\n');
    const dry = await execa('/usr/sbin/logrotate', ['--debug', '--state', join(base, 'logrotate.state'), logrotate], { reject: false });
    expect(dry.exitCode).toBe(0);
    expect(dry.stderr).not.toMatch(/error/i);
  });

  it('is idempotent: a second run rewrites nothing a push already made', async () => {
    const config = writeConfig();
    const logrotate = join(base, 'zonegate.logrotate');
    const args = ['init', '--role', 'secondary', '--config', config, '--user', 'root', '--logrotate', logrotate];
    expect((await zonegate(args)).exitCode).toBe(0);
    const include = join(base, 'lib', 'external', '.zonegate', 'named-zones.conf');
    writeFileSync(include, 'zone "example" { type primary; file "x"; };\n');
    const second = await zonegate(args);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('checked zone set external');
    expect(readFileSync(include, 'utf8')).toBe('zone "example" { type primary; file "x"; };\n');
    expect(lstatSync(join(base, 'lib', 'external', 'current')).isSymbolicLink()).toBe(true);
  });

  it('takes the config from ZONEGATE_CONFIG, and refuses an unknown --user before touching anything', async () => {
    const config = writeConfig();
    const logrotate = join(base, 'zonegate.logrotate');
    const bad = await zonegate(['init', '--role', 'secondary', '--user', 'no-such-user-zg', '--logrotate', logrotate], {
      env: { ZONEGATE_CONFIG: config, PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    expect(bad.stderr).toMatch(/--user no-such-user-zg: no such account/);
    expect(bad.exitCode).toBe(64);
    expect(existsSync(join(base, 'lib'))).toBe(false);
    expect(existsSync(logrotate)).toBe(false);
  });
});

describe('ZONEGATE_CONFIG', () => {
  it('is the default of --config for every command, and --config still wins', async () => {
    const config = writeConfig();
    const env = { ZONEGATE_CONFIG: config, PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    const fromEnv = await zonegate(['authorized-keys'], { env });
    expect(fromEnv.exitCode).toBe(0);
    expect(fromEnv.stdout).toContain(`--config ${config} --key ns1`);
    const explicit = await zonegate(['authorized-keys', '--config', join(base, 'missing.conf')], { env });
    expect(explicit.exitCode).toBe(78);
    expect(explicit.stderr).toContain('missing.conf');
  });
});

describe('zonegate init --role secondary for NSD and Knot', () => {
  // The line init prints is pasted into the server's own config, which its own checker then reads.
  const cases = [
    {
      server: 'nsd',
      list: 'nsd-zones.conf',
      conf: (include: string) => `server:\n\tzonesdir: "${base}"\n${include}\n`,
      check: (file: string) => ['/usr/sbin/nsd-checkconf', [file]] as const,
    },
    {
      server: 'knot',
      list: 'knot-zones.conf',
      conf: (include: string) => `server:\n    rundir: "${base}"\n${include}\n`,
      check: (file: string) => ['/usr/sbin/knotc', ['-c', file, 'conf-check']] as const,
    },
  ];

  it.each(cases)('$server: an empty zone list and the include line, which the server’s config check accepts', async (c) => {
    const config = join(base, 'zonegate.conf');
    const root = join(base, 'lib', 'ext');
    const rule = { direction: 'upload', root, paths: ['**'], delete: true, zoneSet: { zones: ['example.com'], server: c.server } };
    writeFileSync(
      config,
      JSON.stringify({
        gate: { log: join(base, 'log', 'gate.log'), sandbox: 'off' },
        keys: { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules: [rule] } },
      }),
      { mode: 0o644 },
    );
    const result = await zonegate([
      'init',
      '--role',
      'secondary',
      '--config',
      config,
      '--user',
      'root',
      '--logrotate',
      join(base, 'rotate'),
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const list = join(root, '.zonegate', c.list);
    expect(result.stdout).toContain(`created zone set ext in ${root} (include ${list})`);
    const line = new RegExp(`^ {2}add to ${c.server}\\.conf, at the top level: (include: "${list.replace(/[.]/g, '\\.')}")$`, 'm').exec(
      result.stdout,
    );
    expect(line?.[1]).toBeDefined();
    expect(readFileSync(list, 'utf8')).not.toMatch(/^zone:/m);
    const serverConf = join(base, `${c.server}.conf`);
    writeFileSync(serverConf, c.conf(line?.[1] ?? ''));
    const [program, args] = c.check(serverConf);
    requireTool(program, c.server);
    const checked = await execa(program, [...args], { reject: false, all: true });
    expect(checked.all).not.toMatch(/error/i);
    expect(checked.exitCode).toBe(0);
  });
});
