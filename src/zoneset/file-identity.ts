// A live file's identity for the per-zone records under .zonegate/ (signatures.json,
// live-serials.json): device, inode, size and mtime. A record entry is trusted only while the live
// file still has all four; a rollback, repair or edit by hand replaces or rewrites the file, and
// the entry no longer matches.

import { lstatSync, readFileSync, type Stats } from 'node:fs';

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export const identityOf = (stat: Stats): FileIdentity => ({ dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs });

/** The identity of a regular file, or undefined (missing, a symlink, a directory). */
export function fileIdentity(path: string): FileIdentity | undefined {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat?.isFile() === true ? identityOf(stat) : undefined;
}

export const sameIdentity = (a: FileIdentity, b: FileIdentity): boolean =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** A record file's top-level object, keys without a prototype; undefined when missing, too large or not an object. */
export function readRecordObject(path: string, maxBytes: number): Record<string, unknown> | undefined {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat?.isFile() !== true || stat.size > maxBytes) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  // Zone names are keys: no prototype for a zone called __proto__ to reach.
  return Object.assign(Object.create(null) as Record<string, unknown>, raw);
}
