// The built gate, started the way sshd starts it, with commands whose bytes matter: line
// separators that other readers split at, and bytes that are not UTF-8. The log must keep one
// record per line and the exact bytes, and `zonegate check --replay` must replay those bytes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_RSYNC, GATE, makeWorld, type GateWorld } from '../helpers/gate.js';

/** Runs the gate with SSH_ORIGINAL_COMMAND set to exactly these bytes (bash's printf writes them). */
function runWithBytes(world: GateWorld, command: Buffer): { status: number | null; stderr: string } {
  const octal = Array.from(command, (byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('');
  const script = 'SSH_ORIGINAL_COMMAND="$(printf "$1")"; export SSH_ORIGINAL_COMMAND; exec "$2" "$3" --config "$4" --key ns1';
  const result = spawnSync('/bin/bash', ['-c', script, 'bash', octal, process.execPath, GATE, world.config], {
    env: { PATH: '/usr/bin:/bin', SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22' },
    encoding: 'utf8',
    input: '',
  });
  return { status: result.status, stderr: result.stderr };
}

const RAW_SEPARATORS = [Buffer.from('\u2028'), Buffer.from('\u2029'), Buffer.from('\u0085')];

describe('audit log bytes (real gate process)', () => {
  // Attack: invalid UTF-8 in the command; Node's lossy decoding would leave only U+FFFD in the log.
  it('logs a command that is not UTF-8 as base64 beside the text, and check --replay replays those bytes', async () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const bytes = Buffer.concat([
      Buffer.from('rsync --server -logDtpre.iLsfxCIvu . external/a'),
      Buffer.from([0xff, 0xc0, 0xaf, 0xe2, 0x80]),
    ]);
    const run = runWithBytes(world, bytes);
    expect(run.status).toBe(65);
    const records = world.readLog();
    expect(records).toEqual([
      expect.objectContaining({
        verdict: 'deny',
        reason: 'invalid-utf8',
        command: bytes.toString('utf8'),
        commandBase64: bytes.toString('base64'),
      }),
    ]);
    expect(Buffer.from(String(records[0]?.['commandBase64']), 'base64')).toEqual(bytes);
    const replay = await zonegate(['check', '--config', world.config, '--replay', world.log]);
    expect(replay.stdout).toContain('1 requests replayed, 0 would change');
  });

  // Attack: U+2028/U+2029 in an allowed path split the record for line readers that honour them.
  it('writes U+2028 and U+2029 escaped, one record per line, with the exact command', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const command = 'rsync --server -logDtpre.iLsfxCIvu . external/a\u2028b\u2029c';
    const run = runWithBytes(world, Buffer.from(command));
    expect(run.status).toBe(0);
    const raw = readFileSync(world.log);
    for (const separator of RAW_SEPARATORS) expect(raw.includes(separator)).toBe(false);
    expect(raw.toString('utf8').split(/[\n\u2028\u2029\u0085]/)).toHaveLength(3);
    const records = world.readLog();
    expect(records[0]).toMatchObject({ verdict: 'allow', command });
    expect(records[0]).not.toHaveProperty('commandBase64');
  });

  // Attack: U+0085 (NEL) is refused as a control character, but its record must not split either.
  it('writes a refused U+0085 escaped', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const run = runWithBytes(world, Buffer.from('rsync --server -logDtpre.iLsfxCIvu . external/a\u0085b'));
    expect(run.status).toBe(65);
    const raw = readFileSync(world.log);
    expect(raw.includes(Buffer.from('\u0085'))).toBe(false);
    expect(world.readLog()).toEqual([
      expect.objectContaining({ reason: 'control-char', command: 'rsync --server -logDtpre.iLsfxCIvu . external/a\u0085b' }),
    ]);
  });
});
