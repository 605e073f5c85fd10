// Promotion, all or nothing: the staged tree becomes a release and one symlink rename makes it
// live. Everything that can fail for lack of space (the state file, the named include) is written
// before that rename; after it only renames follow.

import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../../shared/errors.js';
import type { ZoneSetSettings } from '../../shared/policy.js';
import type { ZoneSetChanges } from './diff.js';
import { zoneOfFile } from './diff.js';
import { currentReleaseId, discard, listReleases, newReleaseId, pointCurrentAt, releaseDir, type ZoneSetLayout } from './layout.js';
import { prepareFile, type ZoneSetState } from './state.js';

/** named.conf fragment with one zone stanza per file of the release; include it inside the view. */
export function renderNamedInclude(layout: ZoneSetLayout, files: readonly string[], pattern: string): string {
  const lines = [`// Written by zonegate for the zone set in ${layout.root}; include it from named.conf. Do not edit.`];
  for (const file of [...files].sort()) {
    const zone = zoneOfFile(file, pattern);
    if (zone !== undefined) lines.push(`zone "${zone}" { type primary; file "${join(layout.current, file)}"; };`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Promotion {
  release: string;
  previous: string;
  state: ZoneSetState;
}

export function promote(
  layout: ZoneSetLayout,
  settings: ZoneSetSettings,
  staged: { id: string; dir: string },
  changes: ZoneSetChanges,
  serials: Record<string, number>,
  state: ZoneSetState,
): Promotion {
  const previous = currentReleaseId(layout);
  const target = releaseDir(layout, staged.id);
  try {
    const now = new Date();
    freshenMtimes(staged.dir, releaseDir(layout, previous), changes, now);
    const removed = new Set(changes.removed.map((zone) => zone.zone));
    const nextSerials = Object.fromEntries(Object.entries({ ...state.serials, ...serials }).filter(([zone]) => !removed.has(zone)));
    const pending = { reload: changes.changed.map((zone) => zone.zone), reconfig: changes.added.length + changes.removed.length > 0 };
    const next: ZoneSetState = { release: staged.id, previous, lastGoodPush: state.lastGoodPush, serials: nextSerials, pending };
    const commitState = prepareFile(layout.stateFile, `${JSON.stringify(next)}\n`);
    // The zone list only changes when zones come or go (its paths go through current/).
    const zoneListChanged = changes.added.length + changes.removed.length > 0 || !existsSync(layout.namedInclude);
    const commitInclude = zoneListChanged
      ? prepareFile(layout.namedInclude, renderNamedInclude(layout, readdirSync(staged.dir), settings.zoneFile))
      : () => undefined;
    renameSync(staged.dir, target);
    pointCurrentAt(layout, staged.id);
    commitState();
    commitInclude();
    return { release: staged.id, previous, state: next };
  } catch (error) {
    if (currentReleaseId(layout) !== staged.id) rmSync(target, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ZoneSetError('promote-failed', `could not promote the push (${code}); the live zones are unchanged`, { cause: error });
  }
}

/**
 * named skips a zone file whose mtime is not later than the file it loaded before. A changed file
 * keeps the primary's mtime when that is later (so the next push's quick check still matches and
 * nothing is sent again); otherwise it gets a fresh one.
 */
export function freshenMtimes(stagingDir: string, liveDir: string, changes: ZoneSetChanges, now: Date): void {
  for (const zone of changes.changed) {
    const staged = lstatSync(join(stagingDir, zone.file));
    const loaded = lstatSync(join(liveDir, zone.file));
    if (staged.mtimeMs <= loaded.mtimeMs) {
      const fresh = new Date(Math.max(now.getTime(), loaded.mtimeMs + 1000));
      utimesSync(join(stagingDir, zone.file), fresh, fresh);
    }
  }
}

/** Keeps the newest `keep` releases plus the ones named in `always`. */
export function pruneReleases(layout: ZoneSetLayout, keep: number, always: readonly string[]): void {
  const releases = listReleases(layout);
  const doomed = releases.slice(0, Math.max(0, releases.length - keep)).filter((id) => !always.includes(id));
  for (const id of doomed) discard(layout, releaseDir(layout, id));
}

/**
 * Publishes an older release again as a new one: files that differ from the live release are fresh
 * copies with a fresh mtime (named would ignore the old inodes), the rest are hard links.
 */
export function republish(layout: ZoneSetLayout, sourceId: string, newId: string): string[] {
  const source = releaseDir(layout, sourceId);
  const live = releaseDir(layout, currentReleaseId(layout));
  const target = releaseDir(layout, newId);
  mkdirSync(target, { mode: 0o755 });
  const liveFiles = new Set(readdirSync(live));
  const fresh: string[] = [];
  const now = new Date();
  for (const file of readdirSync(source)) {
    const same = liveFiles.has(file) && sameInode(join(source, file), join(live, file));
    if (same) {
      linkSync(join(source, file), join(target, file));
    } else {
      copyFileSync(join(source, file), join(target, file));
      utimesSync(join(target, file), now, now);
      fresh.push(file);
    }
  }
  return fresh;
}

function sameInode(a: string, b: string): boolean {
  try {
    const left = lstatSync(a);
    const right = lstatSync(b);
    return left.ino === right.ino && left.dev === right.dev;
  } catch {
    return false;
  }
}

export interface Republished {
  id: string;
  /** Files published as fresh copies (they differ from the release that was live). */
  fresh: string[];
  /** Every file of the new release. */
  files: string[];
}

/**
 * Makes an earlier release live again, as a new release (see republish), with its state file and
 * named zone list; used by a failed push's rollback and by `zonegate rollback`.
 */
export function publishAgain(layout: ZoneSetLayout, settings: ZoneSetSettings, fromId: string, state: ZoneSetState): Republished {
  const id = newReleaseId();
  const previous = currentReleaseId(layout);
  const fresh = republish(layout, fromId, id);
  const files = readdirSync(releaseDir(layout, id));
  const commitState = prepareFile(layout.stateFile, `${JSON.stringify({ ...state, release: id, previous, pending: undefined })}\n`);
  const commitInclude = prepareFile(layout.namedInclude, renderNamedInclude(layout, files, settings.zoneFile));
  pointCurrentAt(layout, id);
  commitState();
  commitInclude();
  return { id, fresh, files };
}
