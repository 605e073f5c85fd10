// Reload only what changed (through the zone set's server adapter, servers/), then check that the
// server really serves it: rndc and nsd-control exit 0 even when the server rejects a zone (named
// and Knot keep serving the old one, NSD answers SERVFAIL), so the served SOA serial, asked over
// DNS the same way whatever the server, is the proof.

import type { ZoneSetSettings } from '../shared/policy/types.js';
import { mapLimited, runCommand } from './run-command.js';
import { serverAdapter } from './servers/adapters.js';
import type { ReloadPlan } from './servers/types.js';

export const DIG = '/usr/bin/dig';

/** Runs the server's reload commands; returns the commands run, for the report. */
export async function reloadZones(settings: ZoneSetSettings, plan: ReloadPlan, setZones?: () => number): Promise<string[]> {
  if (settings.control.length === 0) return [];
  return serverAdapter(settings.server).reload(settings, plan, setZones);
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
  if (!settings.verify || settings.control.length === 0) return [];
  // A reload only queues the load, so poll; a zone the server rejected never shows up.
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
