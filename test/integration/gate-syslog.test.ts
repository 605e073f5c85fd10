// A refusal the audit log cannot take (config unusable, log directory missing) goes to syslog, and
// the client's one line names the ref to look up there. The gate always writes to /dev/log (nothing
// a client or the environment sets can move it), so each test runs the real gate in a bwrap mount
// namespace whose /dev/log is bound to a socket this test listens on; logger(1) writes to it.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_RSYNC, GATE, makeWorld, requireProgram, type GateWorld } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { until } from '../lab/wait.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . external/';
let receiver: Server;
let socket: string;
let received = '';

beforeAll(async () => {
  requireProgram('/usr/bin/bwrap', 'bubblewrap');
  requireProgram('/usr/bin/logger', 'bsdutils');
  const dir = makeWorld().dir;
  socket = join(dir, 'syslog.sock');
  // logger tries a datagram socket first, then a stream one: a stream listener receives its line.
  receiver = createServer((connection) => {
    connection.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
  });
  await new Promise<void>((resolve) => receiver.listen(socket, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built gate as sshd runs it, in a mount namespace whose /dev/log is this test's socket (or none). */
function runGate(world: GateWorld, command: string, devLog: 'test-socket' | 'none' = 'test-socket'): Promise<Run> {
  const bind = devLog === 'test-socket' ? ['--bind', socket, '/dev/log'] : [];
  const child = spawn(
    '/usr/bin/bwrap',
    ['--dev-bind', '/', '/', '--dev', '/dev', ...bind, '--', process.execPath, GATE, '--config', world.config, '--key', 'ns1'],
    {
      env: { PATH: '/usr/bin:/bin', SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22', SSH_ORIGINAL_COMMAND: command },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.once('close', (status) => {
      resolve({ status, stdout, stderr });
    }),
  );
}

const refOf = (stderr: string): string => /\(ref ([0-9a-f]{6});/.exec(stderr)?.[1] ?? 'no ref in the line';

async function syslogLine(ref: string): Promise<string> {
  await until(() => received.includes(`refused (ref ${ref})`), `the syslog line for ref ${ref}`);
  return received.split('\n').find((line) => line.includes(`refused (ref ${ref})`)) ?? '';
}

describe('refusals the audit log cannot take go to syslog', () => {
  it('a broken config: exit 78, and the ref the client sees is in syslog under zonegate-gate', async () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    writeFileSync(world.config, '{ "keys": ', { mode: 0o600 });
    const run = await runGate(world, UPLOAD);
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^zonegate: denied: the secondary's zonegate configuration is unusable; .* \(ref [0-9a-f]{6}; not in the audit log: see the system log, journalctl -t zonegate-gate\)\nzonegate: exit 78\n$/,
    );
    const line = await syslogLine(refOf(run.stderr));
    // <35> is auth.err; the tag and the gate's pid as logger --id writes them.
    expect(line).toMatch(/^<35>.* zonegate-gate\[\d+\]: refused \(ref [0-9a-f]{6}\), not in the audit log: reason="config-/);
    expect(line).toContain('key="ns1" client="127.0.0.1" command="rsync --server -logDtpre.iLsfxCIvu . external/"');
  });

  it('the audit log directory is missing: exit 77 and the refusal in syslog', async () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    writeFileSync(
      world.config,
      JSON.stringify({
        gate: { rsync: FAKE_RSYNC, log: join(world.dir, 'missing', 'gate.log'), stateDir: world.stateDir, sandbox: 'off' },
        keys: {
          ns1: {
            publicKey: fakeEd25519PublicKey(),
            from: ['127.0.0.1'],
            rules: [{ direction: 'upload', root: world.root, paths: ['external/**'] }],
          },
        },
      }),
      { mode: 0o600 },
    );
    const run = await runGate(world, UPLOAD);
    expect(run.status).toBe(77);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/not in the audit log: see the system log/);
    expect(await syslogLine(refOf(run.stderr))).toMatch(
      /reason="log-unwritable" .*message="cannot open the audit log .*missing\/gate\.log \(ENOENT\)"/,
    );
  });

  it('attack: a command with escapes, a bidi override and a fake second syslog line stays one escaped line', async () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    writeFileSync(world.config, 'not json', { mode: 0o600 });
    // sshd passes the command's bytes as they came; the tokenizer never ran (the config did not load).
    const run = await runGate(world, 'rsync \u001b[2J\u202e\r<35>Nov 26 00:00:00 zonegate-gate[1]: refused (ref 000000) forged');
    expect(run.status).toBe(78);
    const line = await syslogLine(refOf(run.stderr));
    expect(line).toContain('command="rsync \\u001b[2J\\u202e\\r<35>Nov 26 00:00:00 zonegate-gate[1]: refused (ref 000000) forged"');
    expect(received).not.toContain('refused (ref 000000)\n');

    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/);
  });

  it('no syslog either: the line says the refusal is logged nowhere, and still nothing ran', async () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    mkdirSync(world.log);
    const run = await runGate(world, UPLOAD, 'none');
    expect(run.status).toBe(77);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/\(ref [0-9a-f]{6}; not logged: the audit log and syslog are unavailable\)/);
  });
});
