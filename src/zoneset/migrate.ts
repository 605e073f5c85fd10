// Zone sets written by the zonegate before the spare-tree layout had `current -> releases/<id>`,
// full-tree releases and a .staging/ directory. The first push or rollback converts one in place,
// under the lock: the live release is copied into trees/a (so `current` never dangles) and then
// `current` is swapped to it. The old releases have no records of what they changed, so they are
// deleted: rolling back to them is no longer possible, and the client is told so.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { discard, pointCurrentAt, releaseDir, treeDir, type ZoneSetLayout } from './layout.js';
import { copyTree, markSpareDirty } from './spare.js';
import { readState, writeState } from './state.js';

/** Converts an old-layout zone set; returns a line for the client, or undefined when there was none. */
export async function convertOldLayout(layout: ZoneSetLayout, settings: ZoneSetSettings): Promise<string | undefined> {
  const old = /^releases\/([^/]+)$/.exec(readlinkSync(layout.current));
  if (old?.[1] === undefined) return undefined;
  const live = releaseDir(layout, old[1]);
  const tree = treeDir(layout, 'a');
  discard(layout, tree); // ensureLayout made it, empty
  await copyTree(layout, live, tree, 'trees/a');
  const state = readState(layout.stateFile);
  // A reload the old layout still owed (its journal had no tree): the next step finishes it.
  const owed = readOldPending(layout.stateFile);
  writeState(layout.stateFile, {
    ...state,
    release: undefined,
    zones: readdirSync(tree).length,
    pending:
      owed === undefined
        ? undefined
        : { release: undefined, tree: 'a', ...owed, serials: {}, before: { release: undefined, zones: undefined }, dropOnAbort: undefined },
  });
  pointCurrentAt(layout, 'a');
  markSpareDirty(layout, 'converted from the releases/ layout');
  for (const entry of readdirSync(layout.releases)) discard(layout, join(layout.releases, entry));
  const staging = join(layout.root, '.staging');
  if (existsSync(staging)) discard(layout, staging);
  return `zonegate: zone set ${settings.name}: converted from the releases/ layout of an earlier zonegate (its old releases cannot be rolled back to)`;
}

function readOldPending(file: string): { reload: string[]; reconfig: boolean } | undefined {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { pending?: { reload?: unknown; reconfig?: unknown } };
    const reload = raw.pending?.reload;
    if (!Array.isArray(reload)) return undefined;
    return { reload: reload.filter((zone): zone is string => typeof zone === 'string'), reconfig: raw.pending?.reconfig === true };
  } catch {
    return undefined;
  }
}
