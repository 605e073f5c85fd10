// Many zones' SOA over one exchange, with at most `window` queries in flight: enough to keep a
// server busy, few enough that its answers fit the socket's receive buffer (a burst of thousands
// would be dropped by the kernel and cost each zone its timeout). Every zone gets an answer entry.

import type { SoaExchange, ZoneAnswer } from './exchange.js';

export interface AskOptions {
  /** Queries in flight at once. */
  window: number;
  /** No query is sent after this time (Date.now() ms): the zones not asked by then are timeouts. */
  until?: number;
}

/**
 * Asks every zone. A query that times out while no other query got an answer means the server
 * went away (or drops what we send): the zones not yet asked are timeouts too, so a silent server
 * costs one timeout, not one per zone divided by the window. (Counting timeouts in a row instead
 * would let every worker send once more before the count was reached: two timeouts.)
 */
export async function askZones(
  exchange: Pick<SoaExchange, 'ask' | 'failed'>,
  zones: readonly string[],
  options: AskOptions,
): Promise<Map<string, ZoneAnswer>> {
  const out = new Map<string, ZoneAnswer>();
  let next = 0;
  let answered = 0;
  let silent = false;
  const giveUp = (): boolean => silent || exchange.failed !== undefined || (options.until !== undefined && Date.now() > options.until);
  const worker = async (): Promise<void> => {
    while (next < zones.length) {
      const zone = zones[next++] ?? '';
      if (giveUp()) {
        out.set(zone, { kind: 'timeout' });
        continue;
      }
      const before = answered;
      const answer = await exchange.ask(zone);
      if (answer.kind !== 'timeout') answered++;
      else if (answered === before) silent = true;
      out.set(zone, answer);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.window, zones.length)) }, worker));
  return out;
}
