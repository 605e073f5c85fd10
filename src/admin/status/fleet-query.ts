// Asks one target for the SOA serial of many zones, over the DNS client in src/shared/dns: one UDP
// socket per target (bound to the view's source address when the target needs one), a window of
// queries in flight, a timeout and a second try per query, TCP when an answer comes back truncated,
// and TSIG on every query when the target's view is matched on a key. Why not `dig -f`: its text,
// shaped by a hostile server, would have to be parsed back, and in a batch a timeout or rcode is
// not reliably tied to its zone; the wire form ties each answer to its query (id and question) and
// can be bounded exactly. It is faster too (scripts/bench-fleet.ts measures both; docs/push.md).

import type { TargetVerify } from '../../shared/policy/types.js';
import { askZones } from '../../shared/dns/ask-zones.js';
import { openExchange, type SoaExchange, type ZoneAnswer } from '../../shared/dns/exchange.js';
import type { TsigKey } from '../../shared/dns/tsig.js';

export type TargetAnswers = { kind: 'answers'; zones: Map<string, ZoneAnswer> } | { kind: 'unreachable'; why: string };

export interface QueryOptions {
  /** Queries in flight at once to this target. */
  window: number;
  /** Tries per query (the first and the retries). */
  tries: number;
  tsig: TsigKey | undefined;
  /** Injected clock for TSIG (seconds). */
  now?: () => number;
}

/**
 * The served serial of every zone. The first zone is asked alone: a target that does not answer it
 * is unreachable and costs one query's tries, not one per zone. A timeout later while nothing else
 * was answered means it went away: the zones not yet asked are timeouts too (askZones).
 */
export async function queryTarget(verify: TargetVerify, zones: readonly string[], options: QueryOptions): Promise<TargetAnswers> {
  let exchange: SoaExchange;
  try {
    exchange = await openExchange(verify, {
      timeoutMs: verify.timeoutSeconds * 1000,
      tries: options.tries,
      tsig: options.tsig,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } catch (error) {
    return { kind: 'unreachable', why: error instanceof Error ? error.message : String(error) };
  }
  try {
    const [first, ...rest] = zones;
    if (first === undefined) return { kind: 'answers', zones: new Map() };
    const probe = await exchange.ask(first);
    if (probe.kind === 'timeout')
      return {
        kind: 'unreachable',
        why: exchange.failed ?? `no answer within ${String(verify.timeoutSeconds)} s (${String(options.tries)} tries)`,
      };
    const out = new Map<string, ZoneAnswer>([[first, probe]]);
    for (const [zone, answer] of await askZones(exchange, rest, { window: options.window })) out.set(zone, answer);
    return { kind: 'answers', zones: out };
  } finally {
    exchange.close();
  }
}
