// The gate hashes key bodies itself (src/shared/sha256.ts) to log fingerprints without loading
// node:crypto. A wrong fingerprint would point an investigation at the wrong key, so the digest is
// checked against node:crypto for every length around the block boundaries and random inputs
// (test/integration/gate-startup.test.ts checks the logged fingerprint against ssh-keygen).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H0, K, sha256 } from '../../src/shared/sha256.js';

const reference = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The first `count` primes. */
function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let n = 2; primes.length < count; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return primes;
}

/** The first 32 bits of the fractional part of x. */
const fraction32 = (x: number): number => ((x - Math.floor(x)) * 0x1_0000_0000) >>> 0;

describe('sha256', () => {
  it('has the standard constants: fractional parts of the cube roots (K) and square roots (H0) of the first primes', () => {
    const primes = firstPrimes(64);
    expect([...K]).toEqual(primes.map((p) => fraction32(Math.cbrt(p))));
    expect([...H0]).toEqual(primes.slice(0, 8).map((p) => fraction32(Math.sqrt(p))));
  });

  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('digests %j as FIPS 180-4 says', (text, digest) => {
    expect(sha256(Buffer.from(text)).toString('hex')).toBe(digest);
  });

  it('agrees with node:crypto for every length from 0 to 200 bytes (the padding cases)', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Buffer.alloc(length, length % 251);
      expect(sha256(bytes).toString('hex'), `length ${String(length)}`).toBe(reference(bytes));
    }
  });

  it('agrees with node:crypto on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => sha256(bytes).toString('hex') === reference(bytes)),
      { numRuns: 300 },
    );
  });
});
