// Releases: one record per promotion, kept for rollback. A release holds what its push undid, not a
// whole tree: the previous versions of the files it changed or removed (hard links to the inodes
// that were live, which no tree shares any more once the spare is back in step) and the names it
// added. Rolling back to release R undoes the releases after R, newest first.

import { linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetChanges } from './diff.js';
import { discard, releaseDir, type ZoneSetLayout } from './layout.js';
import { writeFileAtomic } from '../shared/atomic-write.js';

export interface ReleaseManifest {
  id: string;
  /** When it went live (ISO time). */
  at: string;
  kind: 'push' | 'rollback';
  /** For a rollback: the release whose zones it brought back. */
  rollbackTo?: string | undefined;
  /** The release that was live before it. */
  previous: string | undefined;
  changed: string[];
  added: string[];
  removed: string[];
  /** Zones in the zone set once it was live. */
  zones: number;
}

const MANIFEST = 'manifest.json';
const PREVIOUS = 'previous';

/**
 * Writes the release before its promotion: the live versions of the files it replaces or removes
 * are linked into it, so the record is complete the moment `current` swaps.
 */
export function recordRelease(layout: ZoneSetLayout, liveDir: string, changes: ZoneSetChanges, manifest: ReleaseManifest): void {
  const dir = releaseDir(layout, manifest.id);
  mkdirSync(join(dir, PREVIOUS), { recursive: true, mode: 0o755 });
  for (const { file } of [...changes.changed, ...changes.removed]) linkSync(join(liveDir, file), join(dir, PREVIOUS, file));
  writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readManifest(layout: ZoneSetLayout, id: string): ReleaseManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(releaseDir(layout, id), MANIFEST), 'utf8')) as ReleaseManifest;
  } catch {
    return undefined;
  }
}

/** Complete releases, oldest first. */
export function listReleases(layout: ZoneSetLayout): ReleaseManifest[] {
  return readdirSync(layout.releases)
    .sort()
    .flatMap((id) => readManifest(layout, id) ?? []);
}

/**
 * Keeps the newest `keep` releases up to the live one; drops older ones, any a killed promotion left
 * incomplete, and any newer than the live one (a promotion that was undone).
 */
export function pruneReleases(layout: ZoneSetLayout, keep: number, live: string | undefined): void {
  const all = readdirSync(layout.releases).sort();
  const complete = all.filter((id) => live !== undefined && id <= live && readManifest(layout, id) !== undefined);
  const kept = new Set(complete.slice(Math.max(0, complete.length - keep)));
  for (const id of all) if (!kept.has(id)) discard(layout, releaseDir(layout, id));
}

/**
 * What rolling back to `target` means for each file the later releases touched: the path of the
 * version to bring back, or null when the file did not exist at `target`. Later releases are undone
 * newest first, so the oldest undone release has the last word.
 */
export function undoPlan(
  layout: ZoneSetLayout,
  releases: readonly ReleaseManifest[],
  target: string,
  live: string,
): Map<string, string | null> {
  const plan = new Map<string, string | null>();
  const later = releases.filter((release) => release.id > target && release.id <= live).reverse();
  for (const release of later) {
    for (const file of [...release.changed, ...release.removed]) plan.set(file, join(releaseDir(layout, release.id), PREVIOUS, file));
    for (const file of release.added) plan.set(file, null);
  }
  return plan;
}
