// Reload only what changed (through the zone set's server adapter, servers/), then check that the
// server really serves it: rndc and nsd-control exit 0 even when the server rejects a zone (named
// and Knot keep serving the old one, NSD answers SERVFAIL), so the served SOA serial, asked over
// DNS the same way whatever the server, is the proof.

import type { ZoneSetSettings } from '../shared/policy/types.js';
import { serverAdapter } from './servers/adapters.js';
import type { ReloadPlan } from './servers/types.js';

/**
 * Queries in flight at once to the zone set's server: enough to keep named, NSD or Knot busy on
 * loopback, and far below what a socket's default receive buffer (~200 KB, some 150 small
 * datagrams) holds, so no answer is dropped by our own kernel while the gate is busy.
 */
export const VERIFY_WINDOW = 64;
/**
 * One try of 1 s per query, as the `dig +time=1 +tries=1` this replaces: a zone not answered is
 * absent from the round's map and asked again by the next poll round (verifySerials), which
 * is the retry; a second try inside the round would only hold up the zones that did answer.
 */
const QUERY_TIMEOUT_MS = 1000;
/** The pause between poll rounds starts here and doubles up to POLL_MAX_MS. */
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 100;

/** Runs the server's reload commands; returns the commands run, for the report. */
export async function reloadZones(settings: ZoneSetSettings, plan: ReloadPlan, setZones?: () => number): Promise<string[]> {
  if (settings.control.length === 0) return [];
  return serverAdapter(settings.server).reload(settings, plan, setZones);
}

/**
 * Asks the server for the SOA serials of many zones over DNS in this process (src/shared/dns: a
 * window of queries in flight, each answer tied to its query by id and question and read as
 * hostile input), from `verify.source` when set so that the query lands in the zone set's view.
 * Zones it does not answer for (no answer within the try, no SOA, an answer we refuse to read) are
 * absent from the map; no query is sent after `until` (Date.now() ms).
 */
export async function servedSerials(settings: ZoneSetSettings, zones: readonly string[], until?: number): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  const verify = settings.verify;
  if (!verify || zones.length === 0) return served;
  // Loaded at the first verify, after rsync: a refusal or a plain upload never loads node:dgram,
  // node:crypto or node:net (test/integration/gate-startup.test.ts).
  const [{ openExchange }, { askZones }] = await Promise.all([import('../shared/dns/exchange.js'), import('../shared/dns/ask-zones.js')]);
  let exchange: Awaited<ReturnType<typeof openExchange>>;
  try {
    exchange = await openExchange(verify, { timeoutMs: QUERY_TIMEOUT_MS, tries: 1, tsig: undefined });
  } catch {
    // No socket (the source address is not on this host): nothing was answered.
    return served;
  }
  try {
    const answers = await askZones(exchange, zones, { window: VERIFY_WINDOW, ...(until === undefined ? {} : { until }) });
    for (const [zone, answer] of answers) if (answer.kind === 'serial') served.set(zone.toLowerCase().replace(/\.$/, ''), answer.serial);
  } finally {
    exchange.close();
  }
  return served;
}

/** Polls until every zone serves its expected serial; returns the zones that never did. */
export async function verifySerials(settings: ZoneSetSettings, expected: Record<string, number>): Promise<string[]> {
  if (!settings.verify || settings.control.length === 0) return [];
  // A reload only queues the load, and the server has no event to wait on: so each round asks the
  // zones still waiting (their answers are what a round waits for), then pauses briefly before the
  // next. A zone the server rejected never shows up, so the deadline ends the polling.
  const deadline = Date.now() + settings.verify.timeoutSeconds * 1000;
  let waiting = Object.keys(expected);
  for (let pause = POLL_FIRST_MS; waiting.length > 0; pause = Math.min(pause * 2, POLL_MAX_MS)) {
    const served = await servedSerials(settings, waiting, deadline);
    waiting = waiting.filter((zone) => served.get(zone.toLowerCase()) !== expected[zone]);
    const left = deadline - Date.now();
    if (waiting.length === 0 || left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
  return waiting;
}
