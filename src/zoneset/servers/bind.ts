// BIND: named-checkzone (its "loaded serial" line is the serial), zone statements for an include
// inside the view in named.conf, and `rndc reload ZONE [IN VIEW]` / `rndc reconfig`.

import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { mapLimited } from '../run-command.js';
import { checkEachZone } from './check-each.js';
import { runControl } from './control.js';
import type { ListedZone, ReloadPlan, ServerAdapter } from './types.js';

/** named.conf fragment with one zone stanza per file of the tree; include it inside the view. */
export function renderNamedInclude(root: string, zones: readonly ListedZone[]): string {
  const lines = [`// Written by zonegate for the zone set in ${root}; include it from named.conf. Do not edit.`];
  for (const { zone, path } of zones) lines.push(`zone "${zone}" { type primary; file "${path}"; };`);
  return `${lines.join('\n')}\n`;
}

/** rndc reload ZONE [IN VIEW] for each changed zone; rndc reconfig first when zones came or went. */
async function reloadNamed(settings: ZoneSetSettings, plan: ReloadPlan): Promise<string[]> {
  const done: string[] = [];
  if (plan.reconfig) {
    await runControl(settings, ['reconfig'], 'rndc');
    done.push('reconfig');
  }
  // rndc is a short-lived client; named queues the loads itself.
  await mapLimited(plan.reload, 8, async (zone) => {
    const args = settings.view === undefined ? ['reload', zone] : ['reload', zone, 'IN', settings.view];
    await runControl(settings, args, 'rndc');
    done.push(`reload ${args.slice(1).join(' ')}`);
  });
  return done;
}

export const bindAdapter: ServerAdapter = {
  server: 'bind',
  program: 'rndc',
  listFile: 'named-zones.conf',
  includeLine: (listPath) => `include "${listPath}";`,
  checkZones: (settings, jobs, sandbox) =>
    checkEachZone(settings, jobs, sandbox, (output) => {
      const loaded = /loaded serial (\d+)/.exec(output);
      return loaded ? Number(loaded[1]) : undefined;
    }),
  renderZoneList: renderNamedInclude,
  reload: reloadNamed,
  statusArgs: ['status'],
  packages: { checker: 'bind9-utils', control: 'bind9' },
};
