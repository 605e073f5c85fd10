// One DNS exchange over TCP (RFC 1035 §4.2.2: a two-octet length, then the message), for an answer
// that came back truncated over UDP. The answer is bounded by its own length field (at most 65,535
// octets); a server that sends more, stalls, or closes early gets a short reason, never our wait.

import { connect } from 'node:net';

/** The answer's octets, or 'timeout', or a one-line reason. */
export function tcpExchange(
  host: string,
  port: number,
  source: string | undefined,
  query: Buffer,
  timeoutMs: number,
): Promise<Buffer | string> {
  return new Promise((resolve) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.length);
    const socket = connect({ host, port, ...(source === undefined ? {} : { localAddress: source }) });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: Buffer | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish('timeout');
    }, timeoutMs);
    socket.on('connect', () => socket.write(Buffer.concat([length, query])));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const all = Buffer.concat(chunks);
      const want = all.readUInt16BE(0);
      if (received > 2 + want) finish('more octets over TCP than the answer announced');
      else if (received === 2 + want) finish(all.subarray(2));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(`TCP: ${error.code ?? error.message}`);
    });
    socket.on('close', () => {
      finish('TCP connection closed before the whole answer');
    });
  });
}
