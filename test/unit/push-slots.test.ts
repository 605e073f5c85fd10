// The push runner's concurrency slots: at most `limit` attempts at once, first come first served, a
// slot given back during a backoff goes to the next waiting target, and stopping the run wakes every
// waiter with "no slot" so no new attempt starts.

import { describe, expect, it } from 'vitest';
import { makeSlots } from '../../src/admin/push/slots.js';

const never = new AbortController().signal;

describe('makeSlots', () => {
  it('grants up to the limit at once and queues the rest in order', async () => {
    const slots = makeSlots(2);
    const a = await slots.acquire(never);
    const b = await slots.acquire(never);
    expect(slots.running()).toBe(2);
    const granted: string[] = [];
    const c = slots.acquire(never).then((release) => {
      granted.push('c');
      return release;
    });
    const d = slots.acquire(never).then((release) => {
      granted.push('d');
      return release;
    });
    await Promise.resolve();
    expect(granted).toEqual([]);
    a?.();
    const releaseC = await c;
    expect(granted).toEqual(['c']);
    expect(slots.running()).toBe(2);
    b?.();
    const releaseD = await d;
    expect(granted).toEqual(['c', 'd']);
    releaseC?.();
    releaseD?.();
    expect(slots.running()).toBe(0);
  });

  it('a release called twice frees one slot only', async () => {
    const slots = makeSlots(1);
    const a = await slots.acquire(never);
    const waiting = slots.acquire(never);
    a?.();
    a?.();
    const b = await waiting;
    expect(slots.running()).toBe(1);
    b?.();
    expect(slots.running()).toBe(0);
  });

  it('a target waiting out a backoff holds no slot: the next target runs meanwhile', async () => {
    const slots = makeSlots(1);
    const order: string[] = [];
    let endBackoff: () => void = () => undefined;
    const backoff = new Promise<void>((resolve) => {
      endBackoff = resolve;
    });
    const dead = (async () => {
      const first = await slots.acquire(never);
      order.push('dead attempt 1');
      first?.();
      await backoff;
      const second = await slots.acquire(never);
      order.push('dead attempt 2');
      second?.();
    })();
    const healthy = (async () => {
      const slot = await slots.acquire(never);
      order.push('healthy');
      slot?.();
      endBackoff();
    })();
    await Promise.all([dead, healthy]);
    expect(order).toEqual(['dead attempt 1', 'healthy', 'dead attempt 2']);
  });

  it('stopping the run wakes every waiter without a slot, and refuses new ones', async () => {
    const slots = makeSlots(1);
    const stopper = new AbortController();
    const held = await slots.acquire(stopper.signal);
    const waiters = [slots.acquire(stopper.signal), slots.acquire(stopper.signal)];
    stopper.abort('SIGTERM');
    expect(await Promise.all(waiters)).toEqual([undefined, undefined]);
    expect(await slots.acquire(stopper.signal)).toBeUndefined();
    held?.();
    expect(slots.running()).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %d', (limit) => {
    expect(() => makeSlots(limit)).toThrow(RangeError);
  });
});
