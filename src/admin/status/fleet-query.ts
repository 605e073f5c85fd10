// Asks one target for the SOA serial of many zones: a small DNS client on node:dgram, one UDP
// socket per target (bound to the view's source address when the target needs one), a window of
// queries in flight, a timeout and a second try per query, TCP when an answer comes back truncated,
// and TSIG on every query when the target's view is matched on a key. Why not `dig -f`: its text,
// shaped by a hostile server, would have to be parsed back, and in a batch a timeout or rcode is
// not reliably tied to its zone; the wire form ties each answer to its query (id and question) and
// can be bounded exactly. It is faster too (scripts/bench-fleet.ts measures both; docs/push.md).

import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TargetVerify } from '../../shared/policy/types.js';
import { tcpExchange } from './fleet-tcp.js';
import { signQuery, verifyAnswer, type TsigKey } from './fleet-tsig.js';
import { buildSoaQuery, parseSoaAnswer, RCODES, WireError } from './fleet-wire.js';

export type ZoneAnswer =
  | { kind: 'serial'; serial: number }
  /** Answered, but with no SOA for the zone: REFUSED, NXDOMAIN, SERVFAIL, or NOERROR without it. */
  | { kind: 'no-soa'; rcode: string }
  | { kind: 'timeout' }
  /** An answer we refuse to read: malformed, too big, wrongly signed. */
  | { kind: 'bad-answer'; why: string };

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

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Pending {
  zone: string;
  done: (msg: Buffer) => boolean;
}

class Exchange {
  private readonly pending = new Map<number, Pending>();
  failed: string | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly verify: TargetVerify,
    private readonly address: string,
    private readonly options: QueryOptions,
  ) {
    socket.on('message', (msg) => {
      if (msg.length < 2) return;
      // An answer whose id we are not waiting for (late, spoofed, duplicated) is dropped unread.
      const entry = this.pending.get(msg.readUInt16BE(0));
      if (entry?.done(msg) === true) this.pending.delete(msg.readUInt16BE(0));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // ICMP port unreachable on a connected socket: nothing listens there.
      this.failed = error.code ?? error.message;
      for (const entry of this.pending.values()) entry.done(Buffer.alloc(0));
    });
  }

  private freshId(): number {
    for (;;) {
      const id = randomInt(0, 0x10000);
      if (!this.pending.has(id)) return id;
    }
  }

  /** One zone: UDP with retries, TCP after a truncated answer. */
  async ask(zone: string): Promise<ZoneAnswer> {
    for (let attempt = 0; attempt < this.options.tries; attempt++) {
      if (this.failed !== undefined) return { kind: 'timeout' };
      const answer = await this.once(zone);
      if (answer === 'truncated') return this.overTcp(zone);
      if (answer !== 'timeout') return answer;
    }
    return { kind: 'timeout' };
  }

  private prepare(zone: string): { id: number; wire: Buffer; mac: Buffer | undefined } {
    const id = this.freshId();
    const query = buildSoaQuery(id, zone);
    const tsig = this.options.tsig;
    if (tsig === undefined) return { id, wire: query, mac: undefined };
    const signed = signQuery(query, tsig, (this.options.now ?? nowSeconds)());
    return { id, wire: signed.wire, mac: signed.mac };
  }

  private read(msg: Buffer, id: number, zone: string, mac: Buffer | undefined): ZoneAnswer | 'truncated' | 'foreign' {
    try {
      const parsed = parseSoaAnswer(msg, id, zone);
      if (parsed.truncated) return 'truncated';
      if (this.options.tsig !== undefined && mac !== undefined)
        verifyAnswer(msg, parsed.records, parsed.arcount, this.options.tsig, mac, (this.options.now ?? nowSeconds)());
      if (parsed.rcode === 0 && parsed.serial !== undefined) return { kind: 'serial', serial: parsed.serial };
      return { kind: 'no-soa', rcode: RCODES[parsed.rcode] ?? `RCODE${String(parsed.rcode)}` };
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      // Someone else's answer that reused our id: keep waiting for ours.
      if (/another (query|question)/.test(error.message)) return 'foreign';
      return { kind: 'bad-answer', why: error.message };
    }
  }

  private once(zone: string): Promise<ZoneAnswer | 'timeout' | 'truncated'> {
    const { id, wire, mac } = this.prepare(zone);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve('timeout');
      }, this.verify.timeoutSeconds * 1000);
      this.pending.set(id, {
        zone,
        done: (msg) => {
          if (msg.length === 0) {
            clearTimeout(timer);
            resolve('timeout');
            return true;
          }
          const answer = this.read(msg, id, zone, mac);
          if (answer === 'foreign') return false;
          clearTimeout(timer);
          resolve(answer);
          return true;
        },
      });
      this.socket.send(wire, (error) => {
        if (error !== null && error !== undefined) this.failed ??= error.message;
      });
    });
  }

  private async overTcp(zone: string): Promise<ZoneAnswer> {
    const { id, wire, mac } = this.prepare(zone);
    const msg = await tcpExchange(this.address, this.verify.port, this.verify.source, wire, this.verify.timeoutSeconds * 1000);
    if (typeof msg === 'string') return msg === 'timeout' ? { kind: 'timeout' } : { kind: 'bad-answer', why: msg };
    const answer = this.read(msg, id, zone, mac);
    if (answer === 'foreign') return { kind: 'bad-answer', why: 'TCP answer to another question' };
    return answer === 'truncated' ? { kind: 'bad-answer', why: 'truncated over TCP' } : answer;
  }
}

async function resolveServer(server: string): Promise<{ address: string; family: 4 | 6 }> {
  const family = isIP(server);
  if (family === 4 || family === 6) return { address: server, family };
  const found = await lookup(server);
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
}

function openSocket(family: 4 | 6, source: string | undefined, address: string, port: number): Promise<Socket> {
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: 0, ...(source === undefined ? {} : { address: source }) }, () => {
      socket.connect(port, address, () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
  });
}

/**
 * The served serial of every zone. The first zone is asked alone: a target that does not answer it
 * is unreachable and costs one query's tries, not one per zone. A run of `window` timeouts in a row
 * later means it went away: the zones not yet asked are timeouts too.
 */
export async function queryTarget(verify: TargetVerify, zones: readonly string[], options: QueryOptions): Promise<TargetAnswers> {
  let socket: Socket;
  let address: string;
  try {
    const server = await resolveServer(verify.server);
    address = server.address;
    socket = await openSocket(server.family, verify.source, address, verify.port);
  } catch (error) {
    return { kind: 'unreachable', why: error instanceof Error ? error.message : String(error) };
  }
  try {
    const exchange = new Exchange(socket, verify, address, options);
    const out = new Map<string, ZoneAnswer>();
    const [first, ...rest] = zones;
    if (first === undefined) return { kind: 'answers', zones: out };
    const probe = await exchange.ask(first);
    if (probe.kind === 'timeout')
      return {
        kind: 'unreachable',
        why: exchange.failed ?? `no answer within ${String(verify.timeoutSeconds)} s (${String(options.tries)} tries)`,
      };
    out.set(first, probe);
    let next = 0;
    let timeoutsInRow = 0;
    const worker = async (): Promise<void> => {
      while (next < rest.length) {
        const zone = rest[next++] ?? '';
        const answer =
          timeoutsInRow >= options.window || exchange.failed !== undefined ? { kind: 'timeout' as const } : await exchange.ask(zone);
        timeoutsInRow = answer.kind === 'timeout' ? timeoutsInRow + 1 : 0;
        out.set(zone, answer);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.window, rest.length)) }, worker));
    return { kind: 'answers', zones: out };
  } finally {
    socket.close();
  }
}
