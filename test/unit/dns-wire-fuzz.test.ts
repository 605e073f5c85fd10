// The zone set's verify step reads its server's SOA answers inside the gate (src/zoneset/reload.ts
// over src/shared/dns), in the UDP socket's 'message' handler. attack: a hostile or broken answer
// that makes the reader throw anything but WireError throws out of that handler, an uncaught
// exception that ends the gate between the promotion and its verification (exit 70, the push's
// outcome left to the journal). So: answers mutated at random, and cut anywhere, end in a
// WireError or a reading, never in another exception, and a serial only comes with a well-formed
// answer to the question asked.

import { describe, expect, it } from 'vitest';
import { prng } from '../lab/prng.js';
import { buildSoaQuery, parseSoaAnswer, WireError } from '../../src/shared/dns/wire.js';
import { questionOf, soaAnswer } from '../lab/fake-dns.js';

const ID = 0x1234;
const ZONE = 'example.test';

function outcome(msg: Buffer): string {
  try {
    const parsed = parseSoaAnswer(msg, ID, ZONE);
    return parsed.serial === undefined ? 'no-serial' : 'serial';
  } catch (error) {
    if (error instanceof WireError) return 'refused';
    return `other: ${String(error)}`;
  }
}

describe('hostile SOA answers', () => {
  const good = soaAnswer(ID, questionOf(buildSoaQuery(ID, ZONE)), 2026112601);

  it('the answer the mutations start from is read (so the cases below can fail)', () => {
    expect(parseSoaAnswer(good, ID, ZONE).serial).toBe(2026112601);
  });

  it('20,000 mutated or cut answers end in a reading or a WireError, never another exception', () => {
    const random = prng(0x15);
    const seen = new Map<string, number>();
    for (let n = 0; n < 20_000; n++) {
      const msg = Buffer.from(good);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) msg[Math.floor(random() * msg.length)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? msg.subarray(0, Math.floor(random() * msg.length)) : msg;
      const result = outcome(cut);
      seen.set(result, (seen.get(result) ?? 0) + 1);
      expect(result, cut.toString('hex')).toMatch(/^(?:serial|no-serial|refused)$/);
    }
    // The mutations reach every outcome: refusals, and answers still read.
    expect(seen.get('refused')).toBeGreaterThan(0);
    expect(seen.get('serial')).toBeGreaterThan(0);
  });

  it('no answer cut short is read as a serial', () => {
    for (let length = 0; length < good.length; length++) expect(outcome(good.subarray(0, length))).toBe('refused');
  });
});
