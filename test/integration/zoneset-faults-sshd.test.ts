// The fault-injection switch (ZONEGATE_FAULT, src/zoneset/fault.ts) is inert in production: behind a
// real sshd the forced command gets no client environment, so a client that sends it with SetEnv
// (or SendEnv) pushes as usual and the gate never kills itself.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE } from '../helpers/gate.js';
import { soaZone } from '../lab/zones.js';
import { makeKeyPair, type KeyPair } from '../lab/keys.js';
import { startSshd, type Sshd } from '../lab/sshd.js';
import { zoneSource } from '../lab/zones.js';

let sshd: Sshd;
let key: KeyPair;
let root: string;
let log: string;

beforeAll(async () => {
  sshd = await startSshd();
  key = await makeKeyPair(sshd.dir, 'primary');
  root = join(sshd.dir, 'zones');
  mkdirSync(root);
  log = join(sshd.dir, 'gate.log');
  const config = join(sshd.dir, 'zonegate.conf');
  const zoneSet = { name: 'inert', zones: ['*.inert'], rndc: false, verify: false };
  const policy = {
    gate: { log, sandbox: 'auto' },
    keys: {
      ns1: { publicKey: key.line, from: ['127.0.0.1'], rules: [{ direction: 'upload', root, paths: ['**'], delete: true, zoneSet }] },
    },
  };
  writeFileSync(config, JSON.stringify(policy), { mode: 0o600 });
  writeFileSync(
    sshd.authorizedKeys,
    `restrict,from="127.0.0.1",command="${process.execPath} ${GATE} --config ${config} --key ns1" ${key.line}\n`,
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await sshd.stop();
});

describe('ZONEGATE_FAULT through a real sshd', () => {
  it('a client that sets it with SetEnv and SendEnv pushes as usual', async () => {
    // attack: a client trying to make the gate kill itself mid-promotion through the environment.
    const rsh = ['ssh', ...sshd.sshOptions(key.privateKey), '-o', 'SetEnv=ZONEGATE_FAULT=kill:locked', '-o', 'SendEnv=ZONEGATE_FAULT'].join(
      ' ',
    );
    const result = await execa('rsync', ['-e', rsh, '-rt', `${zoneSource({ 'a.inert': 7 })}/`, `${sshd.user}@127.0.0.1:${root}/`], {
      reject: false,
      env: { PATH: '/usr/bin:/bin', ZONEGATE_FAULT: 'kill:locked' },
      timeout: 60_000,
    });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(root, 'current', 'db.a.inert'), 'utf8')).toBe(soaZone('a.inert', 7));
    expect(readFileSync(log, 'utf8')).toMatch(/"outcome":"promoted"/);
  });
});
