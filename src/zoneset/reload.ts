// Reload only what changed, then check that the server really serves it: rndc exits 0 even when
// named rejects a zone and keeps serving the old one, so the served SOA serial is the proof.

import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { mapLimited, runCommand } from './run-command.js';

export const DIG = '/usr/bin/dig';

export interface ReloadPlan {
  /** Zones whose files changed: `rndc reload ZONE [IN VIEW]`. */
  reload: string[];
  /** Zones were added or removed: `rndc reconfig` (named reads the include file again). */
  reconfig: boolean;
}

/**
 * When one full `rndc reload` beats `rndc reload ZONE` per changed zone. Measured with the lab's
 * named on this 2-core machine under load (issue 15): each `rndc reload ZONE` costs a client start
 * and a round trip, ~40-150 ms at 8 at once; a full reload costs named ~0.2-0.35 ms per zone it
 * has (2,000 zones: 0.15-0.4 s; 10,000: 1.8-3.4 s), since it stats every zone file and loads only
 * those with a newer mtime. So: above FULL_RELOAD_MIN changed zones, and once the changed zones
 * are more than 1/FULL_RELOAD_SHARE of the set, one full reload. It reloads named.conf too and
 * every view's zones (a zone in several views is loaded in each), which a zone set's reload of
 * its own zones and views never does; the served-serial check proves the result either way.
 */
export const FULL_RELOAD_MIN = 8;
export const FULL_RELOAD_SHARE = 150;

/** Whether `changed` zone reloads in a set of `setZones` are cheaper as one full reload. */
export function fullReloadWins(changed: number, setZones: () => number): boolean {
  return changed > FULL_RELOAD_MIN && changed * FULL_RELOAD_SHARE > setZones();
}

/**
 * Runs the reload commands; returns the commands run, for the report. `setZones` (how many zones
 * the set holds, counted only when it matters) lets many changed zones go as one full reload.
 */
export async function reloadZones(settings: ZoneSetSettings, plan: ReloadPlan, setZones?: () => number): Promise<string[]> {
  if (settings.rndc.length === 0) return [];
  if (setZones !== undefined && fullReloadWins(plan.reload.length, setZones)) {
    // A full reload also reads named.conf again, so it covers a reconfig.
    await runRndc(settings, ['reload']);
    return ['reload'];
  }
  const done: string[] = [];
  if (plan.reconfig) {
    await runRndc(settings, ['reconfig']);
    done.push('reconfig');
  }
  // rndc is a short-lived client; named queues the loads itself.
  await mapLimited(plan.reload, 8, async (zone) => {
    const args = settings.view === undefined ? ['reload', zone] : ['reload', zone, 'IN', settings.view];
    await runRndc(settings, args);
    done.push(`reload ${args.slice(1).join(' ')}`);
  });
  return done;
}

async function runRndc(settings: ZoneSetSettings, args: string[]): Promise<void> {
  const result = await runCommand([...settings.rndc, ...args], 20_000);
  if (result.status !== 0) {
    throw new ZoneSetError(
      'reload-failed',
      `rndc ${args.join(' ')} failed: ${result.output.trim().split('\n').join('; ') || (result.error ?? `exit ${String(result.status)}`)}`,
    );
  }
}

/**
 * Asks the server for the SOA serials of many zones with one dig process per 200 zones (dig takes
 * several queries on one command line); zones it does not answer for are absent from the map.
 */
export async function servedSerials(settings: ZoneSetSettings, zones: readonly string[]): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  const verify = settings.verify;
  if (!verify || zones.length === 0) return served;
  const common = [
    DIG,
    '+noall',
    '+answer',
    '+norecurse',
    '+time=1',
    '+tries=1',
    '-p',
    String(verify.port),
    ...(verify.source ? ['-b', verify.source] : []),
    `@${verify.server}`,
  ];
  const chunks: string[][] = [];
  for (let index = 0; index < zones.length; index += 200) chunks.push(zones.slice(index, index + 200).flatMap((zone) => [zone, 'SOA']));
  const results = await mapLimited(chunks, 4, (queries) => runCommand([...common, ...queries], 15_000));
  for (const result of results) {
    for (const line of result.output.split('\n')) {
      // owner TTL class SOA mname rname serial refresh retry expire minimum
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== 'SOA' || fields[6] === undefined || !/^\d+$/.test(fields[6])) continue;
      served.set((fields[0] ?? '').toLowerCase().replace(/\.$/, ''), Number(fields[6]));
    }
  }
  return served;
}

/** Polls until every zone serves its expected serial; returns the zones that never did. */
export async function verifySerials(settings: ZoneSetSettings, expected: Record<string, number>): Promise<string[]> {
  if (!settings.verify || settings.rndc.length === 0) return [];
  // rndc reload only queues the load, so poll; a zone named rejected never shows up.
  const deadline = Date.now() + settings.verify.timeoutSeconds * 1000;
  let waiting = Object.keys(expected);
  while (waiting.length > 0) {
    const served = await servedSerials(settings, waiting);
    waiting = waiting.filter((zone) => served.get(zone.toLowerCase()) !== expected[zone]);
    if (waiting.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return waiting;
}
