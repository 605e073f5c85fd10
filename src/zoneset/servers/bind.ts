// BIND: named-checkzone (its "loaded serial" line is the serial), zone statements for an include
// inside the view in named.conf, and `rndc reload ZONE [IN VIEW]` / `rndc reconfig`.

import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { mapLimited } from '../run-command.js';
import { checkZonesInBatches } from '../batch-check.js';
import { runControl } from './control.js';
import type { ListedZone, ReloadPlan, ServerAdapter } from './types.js';

/** named.conf fragment with one zone stanza per file of the tree; include it inside the view. */
export function renderNamedInclude(root: string, zones: readonly ListedZone[]): string {
  const lines = [`// Written by zonegate for the zone set in ${root}; include it from named.conf. Do not edit.`];
  for (const { zone, path } of zones) lines.push(`zone "${zone}" { type primary; file "${path}"; };`);
  return `${lines.join('\n')}\n`;
}

/**
 * When one full `rndc reload` beats `rndc reload ZONE` per changed zone. Measured with the lab's
 * named on the 2-core dev machine under load (issue 15): each `rndc reload ZONE` run by the rndc
 * program costs a client start and a round trip, ~40-150 ms at 8 at once; a full reload costs named
 * ~0.03-0.35 ms per zone it has (1,000 zones: ~35 ms; 2,000: 0.06-0.4 s; 10,000: 0.25-3.4 s), since
 * it stats every zone file and loads only those with a newer mtime. So: above FULL_RELOAD_MIN
 * changed zones, and once the changed zones are more than 1/FULL_RELOAD_SHARE of the set, one full
 * reload. Sent natively (control-native.ts) a `reload ZONE` costs ~0.5 ms of a reload-and-verify
 * (10 of 1,000 zones: 5 ms against 34-65 ms for the full reload; 80 of 1,000: 48 against 70; 160 of
 * 2,000: 64 against 80; 320 of 2,000: 166 against 127; 1,000 of 10,000: 280 against 332), and a
 * long run of them risks a query retried a second later in verify, hence the cautious 1/20.
 * A full reload reads named.conf too and every view's zones (a zone in several views is loaded in
 * each), which a zone set's reload of its own zones and views never does; the served-serial check
 * proves the result either way.
 */
export const FULL_RELOAD_MIN = 8;
export const FULL_RELOAD_SHARE = 150;
export const NATIVE_FULL_RELOAD_SHARE = 20;

/** Whether `changed` zone reloads in a set of `setZones` are cheaper as one full reload. */
export function fullReloadWins(changed: number, setZones: () => number, share = FULL_RELOAD_SHARE): boolean {
  return changed > FULL_RELOAD_MIN && changed * share > setZones();
}

interface Rndc {
  send: (args: readonly string[]) => Promise<void>;
  /** Changed zones over the set above which one full reload is sent instead. */
  share: number;
}

/**
 * How rndc commands go out: straight to named's control channel from this process when the
 * control argv and its rndc.conf are fully understood (rndc-target.ts), which saves an rndc
 * process per command; else the rndc program, as configured. Both fail the same way. Loaded only
 * here, so a push that reloads nothing never loads node:net or node:crypto.
 */
async function rndcSender(settings: ZoneSetSettings): Promise<Rndc> {
  const { nativeControlTarget } = await import('./rndc-target.js');
  const target = nativeControlTarget(settings.control);
  if (target === undefined) return { send: (args) => runControl(settings, args, 'rndc'), share: FULL_RELOAD_SHARE };
  const { runNativeControl } = await import('./control-native.js');
  return { send: (args) => runNativeControl(target, args), share: NATIVE_FULL_RELOAD_SHARE };
}

/** rndc reload ZONE [IN VIEW] for each changed zone, rndc reconfig first when zones came or went; or one full rndc reload. */
async function reloadNamed(settings: ZoneSetSettings, plan: ReloadPlan, setZones?: () => number): Promise<string[]> {
  if (plan.reload.length === 0 && !plan.reconfig) return [];
  const rndc = await rndcSender(settings);
  if (setZones !== undefined && fullReloadWins(plan.reload.length, setZones, rndc.share)) {
    // A full reload also reads named.conf again, so it covers a reconfig.
    await rndc.send(['reload']);
    return ['reload'];
  }
  const done: string[] = [];
  if (plan.reconfig) {
    await rndc.send(['reconfig']);
    done.push('reconfig');
  }
  // One connection (or rndc process) per zone, a bounded number at once; named queues the loads itself.
  await mapLimited(plan.reload, 8, async (zone) => {
    const args = settings.view === undefined ? ['reload', zone] : ['reload', zone, 'IN', settings.view];
    await rndc.send(args);
    done.push(`reload ${args.slice(1).join(' ')}`);
  });
  return done;
}

export const bindAdapter: ServerAdapter = {
  server: 'bind',
  program: 'rndc',
  listFile: 'named-zones.conf',
  includeLine: (listPath) => `include "${listPath}";`,
  // Many zones per named-checkconf process; a zone a batch does not clear is checked alone.
  checkZones: checkZonesInBatches,
  renderZoneList: renderNamedInclude,
  reload: reloadNamed,
  statusArgs: ['status'],
  packages: { checker: 'bind9-utils', control: 'bind9' },
};
