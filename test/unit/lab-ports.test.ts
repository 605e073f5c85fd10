// The lab's free ports: free on both loopback addresses (sshd listens on both), and the retry that
// picks fresh ports when another process bound one first.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, LOOPBACK, PortTakenError, retryOnPortTaken } from '../lab/ports.js';

function bind(port: number, host: string): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve(
        () =>
          new Promise((done) =>
            server.close(() => {
              done();
            }),
          ),
      );
    });
  });
}

describe('lab ports', () => {
  it('gives a port that can be bound on every loopback address', async () => {
    const port = await freePort({ udp: true });
    const closers = await Promise.all(LOOPBACK.map((host) => bind(port, host)));
    await Promise.all(closers.map((close) => close()));
  });

  it('never gives a port that is taken on 127.0.0.2 only', async () => {
    const taken = await freePort();
    const close = await bind(taken, '127.0.0.2');
    try {
      for (let i = 0; i < 20; i++) expect(await freePort()).not.toBe(taken);
    } finally {
      await close();
    }
  });

  it('retries while the start reports a taken port, and only then', async () => {
    let calls = 0;
    await expect(
      retryOnPortTaken(async () => {
        calls += 1;
        if (calls < 3) throw new PortTakenError('taken');
        return 'started';
      }),
    ).resolves.toBe('started');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnPortTaken(async () => {
        calls += 1;
        throw new Error('config error');
      }),
    ).rejects.toThrow('config error');
    expect(calls).toBe(1);
    await expect(retryOnPortTaken(() => Promise.reject(new PortTakenError('always')), 2)).rejects.toThrow('always');
  });
});
