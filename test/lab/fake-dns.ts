// A fake DNS server on loopback (UDP and TCP on one port) for the DNS client's unit tests: it
// hands each query to the test, which answers with whatever a hostile or broken server might send
// (wrong ids, other questions, pointer loops, lying lengths), later, or not at all. The happy
// paths run against real named, NSD and Knot (named.ts, nsd.ts, knot.ts); this is only for what
// no real server would send. Message builders for those answers are here too.

import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { encodeName, readName } from '../../src/shared/dns/wire.js';

export const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** A response header: id, QR|AA (and TC, rcode), counts. */
export function header(id: number, counts: [number, number, number, number], options: { tc?: boolean; rcode?: number } = {}): Buffer {
  const flags = 0x8400 | (options.tc === true ? 0x0200 : 0) | (options.rcode ?? 0);
  return Buffer.concat([u16(id), u16(flags), ...counts.map(u16)]);
}

export function soaRecord(owner: Buffer, serial: number, extra = Buffer.alloc(0)): Buffer {
  const rdata = Buffer.concat([
    encodeName('ns1.example'),
    encodeName('hostmaster.example'),
    u32(serial),
    u32(3600),
    u32(600),
    u32(86400),
    u32(300),
    extra,
  ]);
  return Buffer.concat([owner, u16(6), u16(1), u32(300), u16(rdata.length), rdata]);
}

/** The question section of a query (name, type, class). */
export function questionOf(query: Buffer): Buffer {
  const end = readName(query, 12).next + 4;
  return query.subarray(12, end);
}

export const zoneOf = (question: Buffer): string => readName(question, 0).name;

/** A well-formed answer to `question` with one SOA for its name. */
export const soaAnswer = (id: number, question: Buffer, serial = 7): Buffer =>
  Buffer.concat([header(id, [1, 1, 0, 0]), question, soaRecord(encodeName(zoneOf(question)), serial)]);

export interface FakeQuery {
  msg: Buffer;
  question: Buffer;
  id: number;
  zone: string;
  /** The address the query came from (the client's bound source). */
  from: string;
}

export interface FakeDns {
  port: number;
  /** Every UDP query received, in order. */
  queries: FakeQuery[];
  close(): void;
}

export interface FakeDnsOptions {
  /** Called for each UDP query; `send` answers it (any number of times, now or later). */
  udp: (query: FakeQuery, send: (msg: Buffer) => void) => void;
  /** Called for each TCP query; `send` writes raw octets (length prefix included) and closes. */
  tcp?: (query: FakeQuery, send: (raw: Buffer) => void) => void;
  /** Where to listen (default 127.0.0.1; 0.0.0.0 to hear every loopback address). */
  address?: string;
}

function toQuery(msg: Buffer, from: string): FakeQuery {
  const question = questionOf(msg);
  return { msg, question, id: msg.readUInt16BE(0), zone: zoneOf(question), from };
}

export async function startFakeDns(options: FakeDnsOptions): Promise<FakeDns> {
  const address = options.address ?? '127.0.0.1';
  const queries: FakeQuery[] = [];
  const tcp: Server = createServer((socket: TcpSocket) => {
    socket.once('data', (data: Buffer) => {
      const query = toQuery(data.subarray(2), socket.remoteAddress ?? '');
      const send = (raw: Buffer): void => {
        socket.end(raw);
      };
      if (options.tcp !== undefined) options.tcp(query, send);
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
  const bound = tcp.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, peer) => {
    const query = toQuery(msg, peer.address);
    queries.push(query);
    options.udp(query, (answer) => {
      udp.send(answer, peer.port, peer.address);
    });
  });
  await new Promise<void>((resolve) => udp.bind(port, address, resolve));
  return {
    port,
    queries,
    close: () => {
      udp.close();
      tcp.close();
    },
  };
}
