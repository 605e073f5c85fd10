// The verifier's fail-closed paths, with the real prlimit: a missing ldns-verify-zone refuses every
// signed zone, and the refusal must say what to install, not that the zone "does not verify" in
// prlimit's words (which sent the admin to re-sign a zone that was fine).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifySignatures } from '../../src/zoneset/dnssec-verify-zone.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-verifier-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('verifySignatures', () => {
  it('a missing verifier refuses the zone and names the package to install', async () => {
    writeFileSync(join(dir, 'db.example.test'), '@ 300 IN SOA ns1 host 1 2 3 4 5\n');
    const verdict = await verifySignatures({
      dir,
      file: 'db.example.test',
      horizonSeconds: 3600,
      limits: { checkerMemoryMB: 256, checkerCpuSeconds: 5 },
      bwrap: undefined,
      verifier: join(dir, 'no-such-ldns-verify-zone'),
    });
    expect(verdict).toBe(`${join(dir, 'no-such-ldns-verify-zone')} is not installed (apt-get install ldnsutils)`);
  });
});
