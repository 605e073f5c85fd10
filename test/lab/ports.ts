// Free loopback ports for the lab's sshd and named. A port is only "free" until someone binds it:
// another test or program can take it between freePort() and the daemon's bind, so the daemons are
// started through retryOnPortTaken(), which picks fresh ports and tries again.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** The loopback addresses the lab's daemons listen on (sshd on both; see named.ts for named's views). */
export const LOOPBACK = ['127.0.0.1', '127.0.0.2'] as const;

function tcpFree(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => {
        resolve(bound);
      });
    });
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => {
      socket.close(() => {
        resolve(true);
      });
    });
  });
}

export interface PortOptions {
  /** Also free for UDP on 127.0.0.1 (named serves DNS on both). */
  udp?: boolean;
  /** Ports already picked for the same daemon. */
  avoid?: readonly number[];
}

/** A port free for TCP on both loopback addresses (and for UDP on 127.0.0.1 when `udp`). */
export async function freePort(options: PortOptions = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpFree(0, LOOPBACK[0]);
    if (port === undefined || options.avoid?.includes(port)) continue;
    if ((await tcpFree(port, LOOPBACK[1])) === undefined) continue;
    if (options.udp === true && !(await udpFree(port, LOOPBACK[0]))) continue;
    return port;
  }
  throw new Error('no free loopback port');
}

/** An error from a daemon that could not bind a port it was given: retryOnPortTaken() tries again. */
export class PortTakenError extends Error {}

/** Runs `start` (which picks its own free ports) again while it fails with PortTakenError. */
export async function retryOnPortTaken<T>(start: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
    }
  }
}
