// TSIG keys for the lab: a fresh hmac-sha256 secret, and the key file in named's syntax (what
// tsig-keygen prints), which zonegate's `verify.tsigKeyFile` and `dig -k` both read.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TsigSecret } from './named-conf.js';

export function tsigKey(name: string): TsigSecret {
  return { name, secret: randomBytes(32).toString('base64') };
}

/** Writes `dir/<name>.key` (mode 0600) and returns its path. */
export function writeTsigKeyFile(dir: string, key: TsigSecret): string {
  const file = join(dir, `${key.name}.key`);
  writeFileSync(file, `key "${key.name}" {\n\talgorithm hmac-sha256;\n\tsecret "${key.secret}";\n};\n`, { mode: 0o600 });
  return file;
}
