// NSD: nsd-checkzone (it prints no serial: zonegate's reader reads it, the same for the live and the
// pushed file), `zone:` entries for an include at the top level of nsd.conf, and nsd-control.
// Measured with NSD 4.6: `nsd-control reconfig` reads nsd.conf again and adds and drops the zones
// the include lists (no addzone/delzone, which would keep a second list in NSD's zonelistfile);
// `nsd-control reload ZONE` reads that zone's file whatever its mtime. Unlike named, NSD does not
// keep the old zone when the new file does not parse: it answers SERVFAIL until a good file is
// reloaded, which the served-serial check turns into a rollback (docs/configuration.md).

import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { mapLimited } from '../run-command.js';
import { checkEachZone } from './check-each.js';
import { confQuoted } from './conf-text.js';
import { runControl } from './control.js';
import type { ListedZone, ReloadPlan, ServerAdapter } from './types.js';

export function renderNsdZones(root: string, zones: readonly ListedZone[]): string {
  const lines = [`# Written by zonegate for the zone set in ${root}; include it from nsd.conf. Do not edit.`];
  for (const { zone, path } of zones)
    lines.push('zone:', `\tname: ${confQuoted(zone, 'the zone name', 'nsd')}`, `\tzonefile: ${confQuoted(path, 'the zone file', 'nsd')}`);
  return `${lines.join('\n')}\n`;
}

async function reloadNsd(settings: ZoneSetSettings, plan: ReloadPlan): Promise<string[]> {
  const done: string[] = [];
  if (plan.reconfig) {
    await runControl(settings, ['reconfig'], 'nsd-control');
    done.push('reconfig');
  }
  // Each reload makes NSD fork a reload process; a few at a time, it coalesces them.
  await mapLimited(plan.reload, 4, async (zone) => {
    await runControl(settings, ['reload', zone], 'nsd-control');
    done.push(`reload ${zone}`);
  });
  return done;
}

export const nsdAdapter: ServerAdapter = {
  server: 'nsd',
  program: 'nsd-control',
  listFile: 'nsd-zones.conf',
  includeLine: (listPath) => `include: "${listPath}"`,
  checkZones: (settings, jobs, sandbox) => checkEachZone(settings, jobs, sandbox),
  renderZoneList: renderNsdZones,
  reload: reloadNsd,
  statusArgs: ['status'],
  packages: { checker: 'nsd', control: 'nsd' },
};
