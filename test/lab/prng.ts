// A small deterministic random generator (mulberry32) for fuzz tests and benchmarks: the same
// sequence from the same seed on every run and machine, so a failure found once can be found again.

/** Numbers in [0, 1) from a 32-bit seed. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
