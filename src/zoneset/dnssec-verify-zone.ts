// The signature verifier: ldns-verify-zone (ldnsutils) proves every RRSIG of a signed zone and its
// NSEC/NSEC3 chain, and with `-e` refuses a signature that expires within the horizon on its own
// reading of the records, a second opinion beside zonegate's parser (dnssec-rrsig.ts): a record
// that parser missed still cannot carry an expiring signature through. Why ldns-verify-zone and
// not dnssec-verify or kzonecheck: docs/configuration.md, "DNSSEC signature guard".
// On a secondary it runs like the zone checker: under prlimit (the zone set's checker limits) and,
// when the gate sandboxes, in bwrap with only the zone's directory visible, read-only.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_TREE, sandboxedHelperArgv } from '../gate/sandbox.js';
import type { ZoneSetLimits } from '../shared/policy/types.js';
import { runCommand } from './run-command.js';

export const LDNS_VERIFY_ZONE = '/usr/bin/ldns-verify-zone';
/** util-linux's prlimit, as for the zone checker: Node cannot set rlimits on a child. */
const PRLIMIT = '/usr/bin/prlimit';

export interface VerifierRun {
  /** Where the zone file is. */
  dir: string;
  file: string;
  horizonSeconds: number;
  limits: Pick<ZoneSetLimits, 'checkerMemoryMB' | 'checkerCpuSeconds'>;
  /** bwrap's path when the file came from a client (the secondary); undefined on the primary. */
  bwrap: string | undefined;
  /** The verifier's path; LDNS_VERIFY_ZONE unless a test names a missing one. */
  verifier?: string;
}

export function verifierArgv(run: VerifierRun): string[] {
  const { checkerMemoryMB, checkerCpuSeconds } = run.limits;
  const limits = [PRLIMIT, `--as=${String(checkerMemoryMB * 1024 * 1024)}`, `--cpu=${String(checkerCpuSeconds)}`, '--core=0', '--'];
  // ISO 8601 period, in seconds: ldns-verify-zone's own reading of the horizon.
  const horizon = run.horizonSeconds > 0 ? ['-e', `PT${String(run.horizonSeconds)}S`] : [];
  // -V 1: errors only, so the first line of its output is the first problem it found.
  const command = [
    run.verifier ?? LDNS_VERIFY_ZONE,
    '-V',
    '1',
    ...horizon,
    join(run.bwrap === undefined ? run.dir : SANDBOX_TREE, run.file),
  ];
  return [...limits, ...(run.bwrap === undefined ? command : [run.bwrap, ...sandboxedHelperArgv(command, run.dir)])];
}

/** undefined when the zone verifies; otherwise one line saying why (the verifier's first words). */
export async function verifySignatures(run: VerifierRun): Promise<string | undefined> {
  const verifier = run.verifier ?? LDNS_VERIFY_ZONE;
  // prlimit runs it, so its absence is prlimit's exit 127 in prlimit's words: looked for first.
  if (!existsSync(verifier)) return `${verifier} is not installed (apt-get install ldnsutils)`;
  // Wall clock too: a verifier blocked on I/O uses no CPU time.
  const result = await runCommand(verifierArgv(run), (run.limits.checkerCpuSeconds * 2 + 10) * 1000);
  if (result.status === 0 && result.error === undefined) return undefined;
  const shownDir = run.bwrap === undefined ? run.dir : SANDBOX_TREE;
  const first = result.output
    .split(shownDir + '/')
    .join('')
    .split('\n')
    .map((line) =>
      line
        .replace(/^Error: /, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .find((line) => line !== '' && line !== 'There were errors in the zone');
  const killed = result.error !== undefined || (result.status ?? 0) >= 128;
  return `${first ?? `verifier exit ${String(result.status)}`}${killed ? ` (the verifier was stopped: ${result.error ?? 'by a limit'})` : ''}`.slice(
    0,
    300,
  );
}
