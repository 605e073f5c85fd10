// The zone list the server's config includes (ROOT/.zonegate/<server>-zones.conf): one entry per
// zone file of a tree, its path through `current`, so it only changes when zones come or go.

import { writeFileAtomic } from '../../shared/atomic-write.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { zoneOfFile } from '../diff.js';
import { treeDir, type TreeName, type ZoneSetLayout } from '../layout.js';
import { serverAdapter } from './adapters.js';

type ListSettings = Pick<ZoneSetSettings, 'server' | 'zoneFile'>;

export function zoneListPath(layout: ZoneSetLayout, server: ZoneSetSettings['server']): string {
  return join(layout.meta, serverAdapter(server).listFile);
}

/** The zone list's text for the zone files `files` (names in a tree), sorted by file name. */
export function renderZoneList(layout: ZoneSetLayout, settings: ListSettings, files: readonly string[]): string {
  const zones = [...files].sort().flatMap((file) => {
    const zone = zoneOfFile(file, settings.zoneFile);
    return zone === undefined ? [] : [{ zone, path: join(layout.current, file) }];
  });
  return serverAdapter(settings.server).renderZoneList(layout.root, zones);
}

/** Rewrites the zone list from a tree; after zones came or went. */
export function writeZoneList(layout: ZoneSetLayout, settings: ListSettings, tree: TreeName): void {
  writeFileAtomic(zoneListPath(layout, settings.server), renderZoneList(layout, settings, readdirSync(treeDir(layout, tree))));
}
