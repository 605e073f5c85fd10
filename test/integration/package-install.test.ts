// The package an admin installs: `npm pack` (prepack builds), then `npm i -g` into a temp prefix,
// then both bins and all three man pages used from there, as on a secondary that never saw the
// sources or the dev dependencies.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/admin-cli.js';
import { installedPackage, installGlobally, packTarball } from '../helpers/package.js';
import { requireTool } from '../lab/tools.js';
import { KEY_A } from '../fixtures/public-keys.js';

let base: string;
let tarball: string;
let prefix: string;

beforeAll(async () => {
  requireTool('/usr/bin/man', 'man-db');
  requireTool('/usr/bin/groff', 'groff-base');
  base = await mkdtemp(join(tmpdir(), 'zonegate-package-'));
  tarball = await packTarball(base);
  prefix = join(base, 'prefix');
  await installGlobally(tarball, prefix);
}, 480_000);
afterAll(async () => rm(base, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships bin, the built dist, templates, schema, man pages and docs; no sources, tests or scripts', async () => {
    const { stdout } = await execa('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').map((line) => line.replace(/^package\//, ''));
    for (const file of [
      'bin/admin.js',
      'bin/gate.cjs',
      'dist/admin/main.js',
      'dist/gate.cjs',
      'dist/gate.cjs.cache',
      'dist/gate-zoneset.cjs',
      'dist/gate-zoneset.cjs.cache',
      'templates/config-secondary.jsonc',
      'templates/logrotate.tmpl',
      'schema/zonegate.schema.json',
      'man/zonegate.1',
      'man/zonegate-gate.8',
      'man/zonegate.conf.5',
      'docs/configuration.md',
      'README.md',
      'package.json',
    ])
      expect(files).toContain(file);
    expect(files.filter((file) => /^(src|test|scripts|node_modules)\//.test(file))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(installedPackage(prefix), 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['private']).toBeUndefined();
  });
});

describe('npm i -g --prefix', () => {
  it('installs the runtime dependencies only', async () => {
    const modules = await readdir(join(installedPackage(prefix), 'node_modules'));
    for (const runtime of ['execa', 'picomatch', 'pino', 'yargs']) expect(modules).toContain(runtime);
    for (const dev of ['typescript', 'vitest', 'esbuild', 'eslint', 'prettier', 'ajv', 'fast-check']) expect(modules).not.toContain(dev);
  });

  it('puts both bins on PATH, and each answers --help', async () => {
    const env = { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin` };
    const admin = await execa('zonegate', ['--help'], { env, reject: false });
    expect(admin.exitCode).toBe(0);
    expect(admin.stdout).toContain('zonegate authorized-keys');
    const gate = await execa('zonegate-gate', ['--help'], { env, reject: false });
    expect(gate.exitCode).toBe(0);
    expect(gate.stdout).toContain('--key NAME');
  });

  it.each([
    ['man1/zonegate.1', 'zonegate - push DNS zone files'],
    ['man8/zonegate-gate.8', 'zonegate-gate - SSH forced command'],
    ['man5/zonegate.conf.5', 'zonegate.conf - zonegate configuration'],
  ])('man -l renders %s without a warning', async (page, name) => {
    const file = join(prefix, 'share', 'man', page);
    expect((await stat(file)).isFile()).toBe(true);
    const result = await execa('man', ['--warnings', '-l', file], {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' },
      reject: false,
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(name);
  });

  it('renders command= with the installed gate path, which an upgrade that moves it must re-install', async () => {
    const config = join(base, 'zonegate.conf');
    await writeFile(
      config,
      JSON.stringify({
        // The log lies outside the rule's root: a key must never be able to rewrite its own audit trail.
        gate: { log: join(base, 'gate.log'), sandbox: 'off' },
        keys: {
          ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules: [{ direction: 'upload', root: join(base, 'zones'), paths: ['**'] }] },
        },
      }),
      { mode: 0o644 },
    );
    const result = await run(join(prefix, 'bin', 'zonegate'), ['authorized-keys', '--config', config]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`command="${process.execPath} ${installedPackage(prefix)}/bin/gate.cjs --config ${config} --key ns1"`);
  });
});
