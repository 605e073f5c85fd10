// `zonegate init`: the commented starter configs live in templates/ as plain files.

import { constants, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../shared/errors.js';

export type Role = 'primary' | 'secondary';
export const ROLES: readonly Role[] = ['primary', 'secondary'];

export function templatesDirectory(): string {
  return fileURLToPath(new URL('../../../templates/', import.meta.url));
}

export async function renderStarterConfig(role: Role): Promise<string> {
  return fs.readFile(join(templatesDirectory(), `config-${role}.jsonc`), 'utf8');
}

/**
 * Writes `text` to `file`: refuses an existing file unless `force`, writes a temp file beside it
 * and renames it (mode 0644: the gate, running as the login account, must read it; loadPolicy
 * refuses a config that group or others can write).
 */
export async function writeNewFile(file: string, text: string, force: boolean, option: string, mode = 0o644): Promise<void> {
  const exists = await fs.lstat(file).then(
    () => true,
    () => false,
  );
  if (exists && !force) throw new UsageError('file-exists', `${option} ${file}: already exists; pass --force to replace it`);
  const temp = join(dirname(file), `.${randomBytes(6).toString('hex')}.zonegate-tmp`);
  try {
    await fs.mkdir(dirname(file), { recursive: true, mode: 0o755 });
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError('file-unwritable', `${option} ${file}: cannot write it (${code}); nothing was written`, { cause: error });
  }
}
