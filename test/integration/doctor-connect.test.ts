// `zonegate doctor --connect` against a real sshd whose authorized_keys line forces the real gate:
// the gate answers `zonegate-hello` with its version and the key's rules and runs nothing; a wrong
// key, a from= that does not list the primary, a broken gate config and a hostile secondary all end
// in one clean FAIL line that says why.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import { zonegate } from '../helpers/admin-cli.js';
import { makeKeyPair, type KeyPair } from '../lab/keys.js';
import { projectPath } from '../lab/paths.js';
import { startSecondary, type Secondary } from '../lab/secondary.js';

let dir: string;
let key: KeyPair;
let secondary: Secondary;
let hostile: Secondary;
let source: string;

/** A gate stand-in for the hostile secondary: prints the bytes of reply.bin and exits 0. */
const HOSTILE_GATE = `'use strict';
const { readFileSync, writeSync } = require('node:fs');
writeSync(1, readFileSync(__dirname + '/reply.bin'));
`;

function primaryConfig(name: string, target: Secondary, identity = key.privateKey): string {
  const file = join(dir, `${name}.conf`);
  const entry = {
    host: '127.0.0.1',
    port: target.sshd.port,
    user: target.sshd.user,
    identity,
    knownHosts: target.sshd.knownHosts,
    source,
    destination: '.',
    zoneFile: 'db.{zone}',
    timeoutSeconds: 30,
  };
  writeFileSync(file, JSON.stringify({ targets: { [name]: entry }, push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log') } }), {
    mode: 0o600,
  });
  return file;
}

/** The doctor lines about connecting to `name` (the other checks judge this host, not the chain). */
async function connectLines(config: string, name: string): Promise<string> {
  const result = await zonegate(['doctor', '--connect', '--config', config], { timeout: 60_000 });
  const lines = result.stdout.split('\n');
  const start = lines.findIndex((line) => line.includes(`target ${name}: connect`));
  expect(start, result.stdout + result.stderr).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('       '));
  return lines.slice(start, end).join('\n');
}

const gateLog = (): string => readFileSync(secondary.gateLog, 'utf8');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zonegate-connect-'));
  source = join(dir, 'zones');
  mkdirSync(source);
  key = await makeKeyPair(dir, 'primary_key');
  const hostileDir = join(dir, 'hostile');
  mkdirSync(hostileDir);
  writeFileSync(join(hostileDir, 'gate.cjs'), HOSTILE_GATE);
  [secondary, hostile] = await Promise.all([
    startSecondary({ name: 'ns2', dir: join(dir, 'ns2'), clientKey: key.line }),
    startSecondary({ name: 'evil', dir: join(dir, 'evil'), clientKey: key.line, gateEntry: join(hostileDir, 'gate.cjs') }),
  ]);
});
afterAll(async () => {
  await Promise.all([secondary?.stop(), hostile?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('doctor --connect', () => {
  it("answers with the gate's version and the key's rules, runs no rsync, and is audit-logged", async () => {
    const lines = await connectLines(primaryConfig('ns2', secondary), 'ns2');
    const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
    expect(lines).toMatch(
      new RegExp(
        `^\\[ ok \\] target ns2: connect \\(.*\\): gate ${version.replace(/\./g, '\\.')} answered as key primary from 127\\.0\\.0\\.1 \\(ref [0-9a-f]{6}\\)`,
      ),
    );
    expect(lines).toContain(
      `keys.primary.rules[0]: upload under ${secondary.root}, paths **, deletes allowed; zone set ext-ns2, may hold: *.example`,
    );
    expect(lines).toMatch(/key fingerprint SHA256:/);
    const record = JSON.parse(gateLog().trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({ event: 'hello', verdict: 'allow', key: 'primary', client: '127.0.0.1', command: 'zonegate-hello' });
    expect(record['msg']).toMatch(/^hello primary \(ref [0-9a-f]{6}\)$/);
  });

  it("a key the secondary does not know: FAIL with ssh's refusal (exit 255) and the fix", async () => {
    const stranger = await makeKeyPair(dir, 'stranger_key');
    const lines = await connectLines(primaryConfig('ns2', secondary, stranger.privateKey), 'ns2');
    expect(lines).toMatch(/^\[FAIL\] target ns2: connect .*: failed \(exit 255\)/);
    expect(lines).toMatch(/Permission denied \(publickey\)/);
    expect(lines).toMatch(/fix: check that the key .*stranger_key\.pub is in/);
  });

  it("from= that does not list the primary: sshd refuses the key; without from=, the gate's own check refuses it (77)", async () => {
    const policy = loadPolicy(secondary.config);
    const elsewhere = [...policy.keys.values()].map((k) => ({ ...k, from: ['192.0.2.10'] }));
    const entry = { node: process.execPath, gate: projectPath('bin/gate.cjs'), config: secondary.config };
    try {
      await installAuthorizedKeys(secondary.sshd.authorizedKeys, renderAuthorizedKeysLines(elsewhere, entry), elsewhere);
      const bySshd = await connectLines(primaryConfig('ns2', secondary), 'ns2');
      expect(bySshd).toMatch(/^\[FAIL\] target ns2: connect .*: failed \(exit 255\)/);
      // The gate's config says 192.0.2.10 while sshd's line still lets 127.0.0.1 in.
      const original = readFileSync(secondary.config, 'utf8');
      await installAuthorizedKeys(secondary.sshd.authorizedKeys, renderAuthorizedKeysLines([...policy.keys.values()], entry), [
        ...policy.keys.values(),
      ]);
      writeFileSync(secondary.config, original.replace('"from":["127.0.0.1"]', '"from":["192.0.2.10"]'));
      try {
        const byGate = await connectLines(primaryConfig('ns2', secondary), 'ns2');
        expect(byGate).toMatch(/^\[FAIL\] target ns2: connect .*: failed \(exit 77\)/);
        expect(byGate).toMatch(/zonegate: denied: client address 127\.0\.0\.1 is not allowed for key primary \(ref [0-9a-f]{6}\)/);
        expect(gateLog()).toMatch(/"reason":"client-not-allowed"/);
      } finally {
        writeFileSync(secondary.config, original);
      }
    } finally {
      const keys = [...policy.keys.values()];
      await installAuthorizedKeys(secondary.sshd.authorizedKeys, renderAuthorizedKeysLines(keys, entry), keys);
    }
  });

  it('a gate whose config is broken: FAIL with the refusal and its ref (exit 78)', async () => {
    const original = readFileSync(secondary.config, 'utf8');
    writeFileSync(secondary.config, '{ "keys": ');
    try {
      const lines = await connectLines(primaryConfig('ns2', secondary), 'ns2');
      expect(lines).toMatch(/^\[FAIL\] target ns2: connect .*: failed \(exit 78\)/);
      expect(lines).toMatch(/zonegate: denied: the secondary's zonegate configuration is unusable.*\(ref [0-9a-f]{6}/);
      expect(lines).toMatch(/fix: on 127\.0\.0\.1: zonegate doctor/);
    } finally {
      writeFileSync(secondary.config, original);
    }
  });

  it.each([
    [
      'escape sequences, bidi overrides and a forged perfdata bar in the values',
      'zonegate-hello 1\ngate 9.9\u001b]0;owned\u0007\nkey primary\u001b[2J\u202e\nclient 127.0.0.1 | fake=1\nref abc\nrule {"index":0,"direction":"upload","root":"/x\\u001b[31m\\u009b2J","paths":["**"],"delete":false}\nend\n',
      /^\[ ok \] target evil: connect .*: gate 9\.9 answered as key primary from 127\.0\.0\.1 ¦ fake=1 \(ref abc\)/,
    ],
    [
      'another reply version',
      'zonegate-hello 2\ngate 9\nend\n',
      /not understood: not a zonegate hello reply of the version this zonegate reads/,
    ],
    ['no end line', 'zonegate-hello 1\ngate 9\nkey k\nclient c\nref r\n', /not understood: the reply was cut short/],
    [
      'a rule that is not the shape the gate sends',
      'zonegate-hello 1\ngate 9\nkey k\nclient c\nref r\nrule {"index":"0"}\nend\n',
      /rule line 0 is not a rule/,
    ],
    ['a reply of a megabyte', `zonegate-hello 1\n${'gate 9\n'.repeat(150_000)}end\n`, /failed \(the reply is longer than 32768 bytes\)/],
  ])('attack: a hostile secondary replies with %s: bounded and sanitized', async (_name, reply, expected) => {
    writeFileSync(join(dir, 'hostile', 'reply.bin'), reply);
    const lines = await connectLines(primaryConfig('evil', hostile), 'evil');
    expect(lines).toMatch(expected);

    expect(lines).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(lines.length).toBeLessThan(2000);
  });
});
