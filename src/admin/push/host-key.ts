// Pinning a target's host key: ssh-keyscan fetches it once, the admin confirms its fingerprint
// (shown the way `ssh` shows it, SHA256:base64), and it is written to zonegate's own known_hosts
// file, which every push then uses with StrictHostKeyChecking=yes.

import { writeFileAtomic } from '../../shared/atomic-write.js';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';

export const SSH_KEYSCAN = '/usr/bin/ssh-keyscan';

export interface HostKey {
  type: string;
  body: string;
  fingerprint: string;
}

/** The SHA256 fingerprint of a base64 key body, as `ssh-keygen -l` prints it. */
export function fingerprintOf(body: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(body, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** The host word known_hosts uses: plain for port 22, [host]:port otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${String(port)}`;
}

export function parseKeyscan(output: string): HostKey[] {
  const keys: HostKey[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [, type, body] = line.trim().split(/\s+/);
    if (type === undefined || body === undefined || !/^[A-Za-z0-9+/]+=*$/.test(body)) continue;
    keys.push({ type, body, fingerprint: fingerprintOf(body) });
  }
  return keys;
}

export async function scanHostKeys(host: string, port: number): Promise<{ keys: HostKey[]; error: string | undefined }> {
  const result = await execa(SSH_KEYSCAN, ['-T', '5', '-p', String(port), '-t', 'ed25519,ecdsa,rsa', host], {
    reject: false,
    env: { LC_ALL: 'C' },
    extendEnv: false,
  });
  const keys = parseKeyscan(result.stdout);
  return {
    keys,
    error:
      keys.length > 0
        ? undefined
        : `no host key from ${host} port ${String(port)}: ${result.stderr.trim() || `ssh-keyscan exit ${String(result.exitCode)}`}`,
  };
}

/** known_hosts text with every line for `name` replaced by `keys` (pure). */
export function replaceKnownHosts(text: string, name: string, keys: readonly HostKey[]): string {
  const kept = text.split('\n').filter((line) => line !== '' && line.split(/\s+/)[0]?.split(',').includes(name) !== true);
  return `${[...kept, ...keys.map((k) => `${name} ${k.type} ${k.body}`)].join('\n')}\n`;
}

export function writeKnownHosts(file: string, name: string, keys: readonly HostKey[]): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // A new file.
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileAtomic(file, replaceKnownHosts(text, name, keys));
}
