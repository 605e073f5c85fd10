// Knot DNS: kzonecheck (no serial printed: zonegate's reader reads it), `zone:` entries for an
// include in knot.conf (Knot merges `zone:` sections from several files), and knotc. Measured with
// Knot 3.2: `knotc reload` reads knot.conf again and adds and drops the zones the include lists (a
// text config, not the confdb that conf-begin/conf-set edit); `knotc zone-reload -b ZONE…` loads the
// files whatever their mtime and, blocking, exits 1 when one does not load (Knot keeps the old zone).

import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { checkEachZone } from './check-each.js';
import { confQuoted } from './conf-text.js';
import { runControl } from './control.js';
import type { ListedZone, ReloadPlan, ServerAdapter } from './types.js';

/** Zones per knotc command: one process for many zones, with a bounded argv. */
const ZONES_PER_COMMAND = 100;

/**
 * A blocking zone-reload waits for the loads: a large zone may take longer than rndc's queueing.
 * knotc's own timeout (-t, 60 s unless zoneSet.control sets it) ends it first, as a failed reload.
 */
const BLOCKING_RELOAD_MS = 15 * 60 * 1000;

/**
 * Each zone also says how Knot treats its file: never write it (zonefile-sync -1: the file is a
 * hard link shared with the spare and the releases, and a Knot flush would replace the live file
 * behind zonegate's back), load it whole, and keep no journal that could be served instead of it.
 */
export function renderKnotZones(root: string, zones: readonly ListedZone[]): string {
  const lines = [`# Written by zonegate for the zone set in ${root}; include it from knot.conf. Do not edit.`];
  if (zones.length > 0) lines.push('zone:');
  for (const { zone, path } of zones) {
    lines.push(
      `  - domain: ${confQuoted(zone, 'the zone name', 'knot')}`,
      `    file: ${confQuoted(path, 'the zone file', 'knot')}`,
      '    zonefile-sync: -1',
      '    zonefile-load: whole',
      '    journal-content: none',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function reloadKnot(settings: ZoneSetSettings, plan: ReloadPlan): Promise<string[]> {
  const done: string[] = [];
  if (plan.reconfig) {
    await runControl(settings, ['reload'], 'knotc');
    done.push('reload');
  }
  for (let index = 0; index < plan.reload.length; index += ZONES_PER_COMMAND) {
    const zones = plan.reload.slice(index, index + ZONES_PER_COMMAND);
    await runControl(settings, ['zone-reload', '-b', ...zones], 'knotc', BLOCKING_RELOAD_MS);
    done.push(`zone-reload ${zones.join(' ')}`);
  }
  return done;
}

export const knotAdapter: ServerAdapter = {
  server: 'knot',
  program: 'knotc',
  listFile: 'knot-zones.conf',
  includeLine: (listPath) => `include: "${listPath}"`,
  checkZones: (settings, jobs, sandbox) => checkEachZone(settings, jobs, sandbox),
  renderZoneList: renderKnotZones,
  reload: reloadKnot,
  statusArgs: ['status'],
  packages: { checker: 'knot-dnssecutils', control: 'knot' },
};
