// Releases: one record per promotion, kept for rollback. A release holds what its push undid, not a
// whole tree: the previous versions of the files it changed or removed (hard links to the inodes
// that were live, which no tree shares any more once the spare is back in step) and the names it
// added. Rolling back to release R undoes the releases after R, newest first.

import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/** A release directory whose manifest exists but is not one: kept, shown, never pruned. */
export interface DamagedRelease {
  id: string;
  problem: string;
}

type ManifestReading = { kind: 'ok'; manifest: ReleaseManifest } | { kind: 'missing' } | { kind: 'damaged'; problem: string };

const strings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

function inspectManifest(layout: ZoneSetLayout, id: string): ManifestReading {
  let text: string;
  try {
    text = readFileSync(join(releaseDir(layout, id), MANIFEST), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A promotion killed before its manifest was written: incomplete, not damaged.
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'damaged', problem: `unreadable (${code ?? 'error'})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'damaged', problem: text.length === 0 ? 'manifest.json is empty (0 bytes)' : 'manifest.json is not valid JSON' };
  }
  const m = raw as Partial<ReleaseManifest> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.id !== id ||
    typeof m.at !== 'string' ||
    (m.kind !== 'push' && m.kind !== 'rollback') ||
    !strings(m.changed) ||
    !strings(m.added) ||
    !strings(m.removed) ||
    typeof m.zones !== 'number'
  )
    return { kind: 'damaged', problem: 'manifest.json is not a release manifest' };
  return { kind: 'ok', manifest: m as ReleaseManifest };
}

export function readManifest(layout: ZoneSetLayout, id: string): ReleaseManifest | undefined {
  const reading = inspectManifest(layout, id);
  return reading.kind === 'ok' ? reading.manifest : undefined;
}

/** Complete releases, oldest first. */
export function listReleases(layout: ZoneSetLayout): ReleaseManifest[] {
  return inspectReleases(layout).complete;
}

/** Complete and damaged releases, oldest first (incomplete ones, never promoted, are left out). */
export function inspectReleases(layout: ZoneSetLayout): { complete: ReleaseManifest[]; damaged: DamagedRelease[] } {
  const complete: ReleaseManifest[] = [];
  const damaged: DamagedRelease[] = [];
  for (const id of readdirSync(layout.releases).sort()) {
    const reading = inspectManifest(layout, id);
    if (reading.kind === 'ok') complete.push(reading.manifest);
    else if (reading.kind === 'damaged') damaged.push({ id, problem: reading.problem });
  }
  return { complete, damaged };
}

/**
 * Keeps the newest `keep` releases up to the live one; drops older ones, any a killed promotion left
 * incomplete, and any newer than the live one (a promotion that was undone).
 */
export function pruneReleases(layout: ZoneSetLayout, keep: number, live: string | undefined): void {
  const all = readdirSync(layout.releases).sort();
  const readings = new Map(all.map((id) => [id, inspectManifest(layout, id)]));
  const complete = all.filter((id) => live !== undefined && id <= live && readings.get(id)?.kind === 'ok');
  const kept = new Set(complete.slice(Math.max(0, complete.length - keep)));
  // A damaged record is evidence and may hold the files a rollback needs: the admin removes it.
  for (const id of all) if (!kept.has(id) && readings.get(id)?.kind !== 'damaged') discard(layout, releaseDir(layout, id));
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
  damaged: readonly DamagedRelease[] = [],
): Map<string, string | null> {
  const plan = new Map<string, string | null>();
  const records = [
    ...releases.map((release) => ({ id: release.id, release })),
    ...damaged.map((release) => ({ id: release.id, release: undefined })),
  ].sort((x, y) => (x.id < y.id ? -1 : 1));
  const later = records.filter((record) => record.id > target && record.id <= live).reverse();
  for (const { id, release } of later) {
    const previous = join(releaseDir(layout, id), PREVIOUS);
    // A damaged manifest no longer says what was added; previous/ still holds what was replaced.
    const replaced = release ? [...release.changed, ...release.removed] : existsSync(previous) ? readdirSync(previous) : [];
    for (const file of replaced) plan.set(file, join(previous, file));
    for (const file of release?.added ?? []) plan.set(file, null);
  }
  return plan;
}
