// The push runner's bounded concurrency: `push.concurrency` attempts run at once, first come first
// served. A target holds a slot only while an attempt runs, not while it waits out a backoff: a dead
// secondary retrying with [5, 15] s backoffs would otherwise keep a slot idle for 20 s, and a handful
// of them would stall a fleet of a hundred.

export interface Slots {
  /**
   * Waits for a free slot; resolves with its release function, or with undefined when `stop` aborts
   * first (the run is being stopped: no new attempt starts).
   */
  acquire(stop: AbortSignal): Promise<(() => void) | undefined>;
  /** Attempts running now (for tests and the progress display). */
  running(): number;
}

export function makeSlots(limit: number): Slots {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number >= 1, not ${String(limit)}`);
  let running = 0;
  const queue: (() => void)[] = [];
  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // Hand the slot straight to the next waiter: `running` stays the same.
      if (next === undefined) running -= 1;
      else next();
    };
  };
  return {
    running: () => running,
    acquire: (stop) => {
      if (stop.aborted) return Promise.resolve(undefined);
      if (running < limit) {
        running += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => {
        const granted = (): void => {
          stop.removeEventListener('abort', aborted);
          resolve(releaser());
        };
        const aborted = (): void => {
          const index = queue.indexOf(granted);
          if (index !== -1) queue.splice(index, 1);
          resolve(undefined);
        };
        queue.push(granted);
        stop.addEventListener('abort', aborted, { once: true });
      });
    },
  };
}
