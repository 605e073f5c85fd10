// The DNSSEC signature guard on the primary, before anything is sent: a changed zone that carries
// DNSSEC records must verify (ldns-verify-zone, as the secondary runs it) and, per target, none of
// its RRSIGs may expire within targets.NAME.signatureHorizon. The secondary checks the same again
// (src/zoneset/dnssec-guard.ts); checking here keeps a stale signer from costing every target a
// refused push, and names the record in the primary's own run log.

import { basename, dirname } from 'node:path';
import type { Target } from '../../shared/policy/types.js';
import { ZONESET_LIMIT_DEFAULTS } from '../../shared/policy/defaults.js';
import { SIGNATURE_HORIZON_DEFAULT_SECONDS } from '../../shared/policy/signature-horizon.js';
import { signatureProblem } from '../../zoneset/dnssec-guard.js';
import { scanSignatureText, type SignatureScan } from '../../zoneset/dnssec-rrsig.js';
import { verifySignatures } from '../../zoneset/dnssec-verify-zone.js';
import type { ZoneProblem } from './validate.js';

export interface SignedSource {
  file: string;
  zone: string;
  scan: SignatureScan;
}

/**
 * Scans one changed zone's text; for a signed zone runs the verifier with the smallest horizon of
 * the targets that receive it. Returns the scan (to be judged per target) and a problem, if any,
 * that refuses the zone for every target.
 */
export async function checkSignedSource(
  path: string,
  zone: string,
  text: string,
  horizonSeconds: number,
): Promise<{ scan: SignatureScan; problem: string | undefined }> {
  const scan = scanSignatureText(text, zone);
  if (scan.kind === 'unsigned') return { scan, problem: undefined };
  if (scan.kind === 'unreadable') return { scan, problem: `DNSSEC: cannot be checked: ${scan.why} (at ${scan.owner})` };
  // Where zonegate's own reading already finds a signature inside the horizon, the per-target
  // check names it; the verifier then only proves the signatures (a horizon of 0).
  const inside = scan.earliest !== undefined && scan.earliest.expires < Date.now() / 1000 + horizonSeconds;
  const verdict = await verifySignatures({
    dir: dirname(path),
    file: basename(path),
    horizonSeconds: inside ? 0 : horizonSeconds,
    limits: ZONESET_LIMIT_DEFAULTS,
    bwrap: undefined,
  });
  return { scan, problem: verdict === undefined ? undefined : `DNSSEC: does not verify: ${verdict}` };
}

/** The signed zones this target would refuse now (its horizon), one problem each. */
export function horizonProblems(target: Target, signed: readonly SignedSource[], now: number): ZoneProblem[] {
  const horizon = target.signatureHorizon ?? SIGNATURE_HORIZON_DEFAULT_SECONDS;
  const problems: ZoneProblem[] = [];
  for (const { file, zone, scan } of signed) {
    const problem = signatureProblem(scan, horizon, `targets.${target.name}.signatureHorizon`, now);
    if (problem !== undefined) problems.push({ file, zone, message: `DNSSEC: ${problem}; re-sign it` });
  }
  return problems;
}
