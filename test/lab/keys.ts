// Key pairs: real ed25519 ones from ssh-keygen for sshd and ssh, and syntactically valid public keys
// from fixed bytes for configs that are only parsed (unit tests, benchmarks that never log in).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireTool, SSH_KEYGEN } from './tools.js';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  /** The .pub line. */
  line: string;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

export function fakeEd25519PublicKey(seed = 1, comment = 'test@zonegate'): string {
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.alloc(32, seed))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** A fresh ed25519 key pair without a passphrase: `dir/name` and `dir/name.pub`. */
export async function makeKeyPair(dir: string, name: string, comment = `${name}@test`): Promise<KeyPair> {
  requireTool(SSH_KEYGEN, 'openssh-client');
  const privateKey = join(dir, name);
  await execa(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privateKey]);
  const publicKey = `${privateKey}.pub`;
  return { privateKey, publicKey, line: readFileSync(publicKey, 'utf8').trim() };
}
