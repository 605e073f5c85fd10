// Free loopback ports for the demo and the benchmarks, which start their own sshd and named.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A 127.0.0.1 port free for TCP, and for UDP too when `udp` (named needs both). */
export async function freePort(udp = false, avoid = []) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpPort();
    if (avoid.includes(port)) continue;
    if (!udp || (await udpFree(port))) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}
