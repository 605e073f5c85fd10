// SOA queries to one server over one UDP socket (bound to a source address when the server's view
// is matched on it), each answer tied to its query by id and question, TCP after a truncated
// answer, TSIG when a key is given. Used by the fleet view (src/admin/status) and by a zone set's
// verify step (src/zoneset/reload.ts), which loads it only after rsync: node:dgram, node:crypto
// and node:net are not part of the gate's start.

import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { tcpExchange } from './tcp.js';
import { signQuery, verifyAnswer, type TsigKey } from './tsig.js';
import { buildSoaQuery, parseSoaAnswer, RCODES, WireError } from './wire.js';

export type ZoneAnswer =
  | { kind: 'serial'; serial: number }
  /** Answered, but with no SOA for the zone: REFUSED, NXDOMAIN, SERVFAIL, or NOERROR without it. */
  | { kind: 'no-soa'; rcode: string }
  | { kind: 'timeout' }
  /** An answer we refuse to read: malformed, too big, wrongly signed. */
  | { kind: 'bad-answer'; why: string };

export interface DnsEndpoint {
  server: string;
  port: number;
  /** The local address to send from (a view matched on the client's address), or any. */
  source: string | undefined;
}

export interface ExchangeOptions {
  /** How long one try waits for its answer. */
  timeoutMs: number;
  /** Tries per query (the first and the retries). */
  tries: number;
  tsig: TsigKey | undefined;
  /** Injected clock for TSIG (seconds). */
  now?: () => number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Pending {
  done: (msg: Buffer) => boolean;
}

export class SoaExchange {
  private readonly pending = new Map<number, Pending>();
  /** Why the socket failed (ICMP port unreachable: nothing listens there); every later query is a timeout. */
  failed: string | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: DnsEndpoint & { address: string },
    private readonly options: ExchangeOptions,
  ) {
    socket.on('message', (msg) => {
      if (msg.length < 2) return;
      // An answer whose id we are not waiting for (late, spoofed, duplicated) is dropped unread.
      const entry = this.pending.get(msg.readUInt16BE(0));
      if (entry?.done(msg) === true) this.pending.delete(msg.readUInt16BE(0));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failed = error.code ?? error.message;
      for (const entry of this.pending.values()) entry.done(Buffer.alloc(0));
    });
  }

  close(): void {
    this.socket.close();
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
      let answer: ZoneAnswer | 'timeout' | 'truncated';
      try {
        answer = await this.once(zone);
      } catch (error) {
        // A name that has no wire form (a label over 63 octets) is never sent.
        if (error instanceof WireError) return { kind: 'bad-answer', why: error.message };
        throw error;
      }
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
      }, this.options.timeoutMs);
      this.pending.set(id, {
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
    const { address, port, source } = this.endpoint;
    const msg = await tcpExchange(address, port, source, wire, this.options.timeoutMs);
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
    const fail = (error: Error): void => {
      try {
        socket.close();
      } catch {
        // Never bound: nothing to close.
      }
      reject(error);
    };
    socket.once('error', fail);
    // Connected: the kernel drops datagrams from any other address or port before we see them.
    socket.bind({ port: 0, ...(source === undefined ? {} : { address: source }) }, () => {
      socket.connect(port, address, () => {
        socket.off('error', fail);
        resolve(socket);
      });
    });
  });
}

/** A socket to the server; throws (an unknown name, a source address not on this host) when there is none. */
export async function openExchange(endpoint: DnsEndpoint, options: ExchangeOptions): Promise<SoaExchange> {
  const { address, family } = await resolveServer(endpoint.server);
  const socket = await openSocket(family, endpoint.source, address, endpoint.port);
  return new SoaExchange(socket, { ...endpoint, address }, options);
}
