// The DNSSEC signature guard on a secondary, before promotion: every added or changed zone that
// carries DNSSEC records must verify (ldns-verify-zone, sandboxed like the checker), and none of
// its RRSIGs may expire within zoneSet.signatureHorizon. A zone whose signatures expire on a
// secondary goes bogus for every validating resolver, while the server itself serves it happily.
// Unsigned zones cost one scan of their text and nothing else.

import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import { renderHorizon } from '../shared/policy/signature-horizon.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneFile, ZoneSetChanges } from './diff.js';
import { scanSignatureFile, type EarliestSignature, type SignatureScan } from './dnssec-rrsig.js';
import { verifySignatures } from './dnssec-verify-zone.js';
import { mapLimited } from './run-command.js';

/** The earliest RRSIG expiry of each signed zone the push touched (zone name to record). */
export type SignedZones = Record<string, EarliestSignature>;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * One line naming the record when the scan refuses the zone at `now` (ms), else undefined. Shared
 * with the primary's pre-send check, so both sides word it, and decide it, the same way.
 */
export function signatureProblem(scan: SignatureScan, horizonSeconds: number, setting: string, now: number): string | undefined {
  if (scan.kind === 'unreadable') return `cannot be checked: ${scan.why} (at ${scan.owner})`;
  if (scan.kind !== 'signed' || scan.earliest === undefined) return undefined;
  const { owner, covered, expires } = scan.earliest;
  const nowSeconds = Math.floor(now / 1000);
  if (expires <= nowSeconds) return `the RRSIG of ${owner} ${covered} expired at ${iso(expires)}`;
  if (expires < nowSeconds + horizonSeconds)
    return `the RRSIG of ${owner} ${covered} expires at ${iso(expires)}, within ${setting} ${renderHorizon(horizonSeconds)}`;
  return undefined;
}

/**
 * Throws ZoneSetError (dnssec-refused) for the first zone refused; returns the signed zones' earliest
 * expiries. `scans`: the pre-scan's scans of these very files (validateZones), so they are not read
 * again; a zone without one is scanned here.
 */
export async function guardSignatures(
  settings: ZoneSetSettings,
  spareDir: string,
  changes: ZoneSetChanges,
  bwrap: string | undefined,
  { now = Date.now(), scans }: { now?: number; scans?: ReadonlyMap<string, SignatureScan> } = {},
): Promise<SignedZones> {
  const signed: { zone: ZoneFile; earliest: EarliestSignature | undefined }[] = [];
  for (const zone of [...changes.changed, ...changes.added]) {
    const scan = scans?.get(zone.zone) ?? scanSignatureFile(join(spareDir, zone.file), zone.zone, settings.limits.zoneBytes);
    const problem = signatureProblem(scan, settings.signatureHorizon, 'zoneSet.signatureHorizon', now);
    if (problem !== undefined) throw refusal(zone, `${problem}; re-sign it on the primary`);
    if (scan.kind === 'signed') signed.push({ zone, earliest: scan.earliest });
  }
  const verdicts = await mapLimited(signed, settings.limits.checkerConcurrency, ({ zone }) =>
    verifySignatures({ dir: spareDir, file: zone.file, horizonSeconds: settings.signatureHorizon, limits: settings.limits, bwrap }),
  );
  // Zone names become keys: no prototype for a zone called __proto__ to reach.
  const result = Object.create(null) as SignedZones;
  for (const [index, { zone, earliest }] of signed.entries()) {
    const verdict = verdicts[index];
    if (verdict !== undefined) throw refusal(zone, `does not verify: ${verdict}`);
    if (earliest !== undefined) result[zone.zone] = earliest;
  }
  return result;
}

function refusal(zone: ZoneFile, why: string): ZoneSetError {
  return new ZoneSetError('dnssec-refused', `zone ${zone.zone} (${zone.file}): ${why}; nothing was changed`, {
    details: { zone: zone.zone },
  });
}
