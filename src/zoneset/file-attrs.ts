// How live zone files look: owner, group and mode come from the zone set's `files` setting, never
// from the client. They are applied to the inodes rsync wrote into the spare (new inodes, never
// shared with the live tree) before the checker reads them, so what is validated is what named reads.

import { chmodSync, chownSync, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';

export interface FileAttrs {
  /** undefined: leave as created (the gate's own account). */
  uid: number | undefined;
  gid: number | undefined;
  mode: number;
}

/** Looks a name up in /etc/passwd or /etc/group (field 3 is the id); a number is taken as it is. */
function resolveId(name: string | undefined, database: '/etc/passwd' | '/etc/group'): number | undefined {
  if (name === undefined) return undefined;
  if (/^[0-9]+$/.test(name)) return Number(name);
  for (const line of readFileSync(database, 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && /^[0-9]+$/.test(fields[2] ?? '')) return Number(fields[2]);
  }
  const what = database === '/etc/passwd' ? 'user' : 'group';
  throw new ZoneSetError(
    'staging-failed',
    `the zone set's files.${what === 'user' ? 'owner' : 'group'} ${what} ${name} does not exist on this host`,
  );
}

export function resolveFileAttrs(files: ZoneSetSettings['files']): FileAttrs {
  return { uid: resolveId(files.owner, '/etc/passwd'), gid: resolveId(files.group, '/etc/group'), mode: files.mode };
}

/** A short text for the state file: when it changes, the whole live tree is brought to it once. */
export function renderFileAttrs(attrs: FileAttrs): string {
  return `${attrs.uid === undefined ? '-' : String(attrs.uid)}:${attrs.gid === undefined ? '-' : String(attrs.gid)}:${attrs.mode.toString(8).padStart(4, '0')}`;
}

/** `stat`: the file's lstat, when the caller has it; what already matches is not set again (a syscall per zone). */
function apply(path: string, attrs: FileAttrs, stat?: Stats): void {
  const owned = stat !== undefined && (attrs.uid ?? stat.uid) === stat.uid && (attrs.gid ?? stat.gid) === stat.gid;
  if ((attrs.uid !== undefined || attrs.gid !== undefined) && !owned) chownSync(path, attrs.uid ?? -1, attrs.gid ?? -1);
  // chown clears set-id bits, so the mode is compared only when the owner was left alone.
  if (!owned || (stat.mode & 0o7777) !== attrs.mode) chmodSync(path, attrs.mode);
}

/**
 * Gives the files rsync wrote into the spare the zone set's attributes. Each must be an inode of
 * its own: one shared with the live tree would mean rsync changed a live file in place, which the
 * gate's argv rules out (zoneset/receiver.ts); if it happens anyway the push is refused.
 */
export function applyToWritten(spareDir: string, liveDir: string, names: Iterable<string>, attrs: FileAttrs): void {
  for (const name of names) {
    const staged = lstatSync(join(spareDir, name), { throwIfNoEntry: false });
    if (staged === undefined || !staged.isFile()) continue;
    const live = lstatSync(join(liveDir, name), { throwIfNoEntry: false });
    if (live !== undefined && live.ino === staged.ino && live.dev === staged.dev) {
      throw new ZoneSetError('staging-failed', `rsync changed ${JSON.stringify(name)} in place, in an inode the live tree shares`);
    }
    apply(join(spareDir, name), attrs, staged);
  }
}

/** Brings every file of a tree to `attrs` (after the setting changed; the trees share the inodes). */
export function applyToTree(dir: string, attrs: FileAttrs): void {
  for (const name of readdirSync(dir)) {
    const stat = lstatSync(join(dir, name));
    if (stat.isFile()) apply(join(dir, name), attrs);
  }
}
