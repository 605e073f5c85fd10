// Validation before anything leaves the primary: every zone file that changed since the last
// validated run is checked with the zone checker (named-checkzone; many zones per named-checkconf
// process where the flags allow, validate-batch.ts) and must carry a bumped serial
// (RFC 1982). A failure stops every target that pushes this source tree, with the reason per zone.
// The manifest of what was last accepted (size, mtime, sha256, serial) lives in the state dir.

import { writeFileAtomic } from '../../shared/atomic-write.js';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { zoneOfFile } from '../../zoneset/diff.js';
import { mapLimited, runCommand } from '../../zoneset/run-command.js';
import { readSoaSerial, serialIncreased } from '../../zoneset/serial.js';
import { SIGNATURE_HORIZON_DEFAULT_SECONDS } from '../../shared/policy/signature-horizon.js';
import { checkSignedSource, type SignedSource } from './dnssec-presend.js';
import { clearedByBatch } from './validate-batch.js';

export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
  serial: number | undefined;
}

export type Manifest = Record<string, ManifestEntry>;

export interface ZoneProblem {
  file: string;
  zone: string | undefined;
  message: string;
}

export interface SourceValidation {
  source: string;
  /** Zone names whose files changed since the last accepted manifest. */
  changed: string[];
  problems: ZoneProblem[];
  /** Changed zones that carry DNSSEC records, for the per-target horizon (dnssec-presend.ts). */
  signed: SignedSource[];
  /** Commits the new manifest; call only after deciding to push. */
  accept(): void;
}

export function manifestFile(stateDir: string, source: string): string {
  return join(stateDir, 'manifests', `${createHash('sha256').update(source).digest('hex').slice(0, 16)}.json`);
}

function readManifest(file: string): Manifest {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

/** What differs from the manifest, cheaply: size and mtime first, the hash only when they moved. */
export function changedFiles(
  current: Record<string, { size: number; mtimeMs: number }>,
  manifest: Manifest,
  hash: (file: string) => string,
): { file: string; sha256: string }[] {
  const out: { file: string; sha256: string }[] = [];
  for (const [file, stat] of Object.entries(current)) {
    const before = manifest[file];
    if (before !== undefined && before.size === stat.size && before.mtimeMs === stat.mtimeMs) continue;
    const sha256 = hash(file);
    if (before === undefined || before.sha256 !== sha256) out.push({ file, sha256 });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

export async function validateSource(
  source: string,
  zoneFile: string,
  checker: readonly string[],
  stateDir: string,
  concurrency = 4,
  skipped: (name: string) => boolean = () => false,
  /** The smallest signatureHorizon of the targets that receive this tree: the verifier's own horizon. */
  dnssecHorizon = SIGNATURE_HORIZON_DEFAULT_SECONDS,
): Promise<SourceValidation> {
  const manifestPath = manifestFile(stateDir, source);
  const manifest = readManifest(manifestPath);
  const problems: ZoneProblem[] = [];
  const signed: SignedSource[] = [];
  const stats: Record<string, { size: number; mtimeMs: number }> = {};
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    // Editor and backup files (push.skipPatterns, the target's --exclude): rsync never sends them.
    if (skipped(entry.name)) continue;
    // The gate refuses anything in a zone set that is not a regular zone file; say so before sending.
    if (!entry.isFile() || zoneOfFile(entry.name, zoneFile) === undefined) {
      problems.push({
        file: entry.name,
        zone: undefined,
        message: entry.isFile() ? `does not match the zone file pattern ${JSON.stringify(zoneFile)}` : 'is not a regular file',
      });
      continue;
    }
    const stat = statSync(join(source, entry.name));
    stats[entry.name] = { size: stat.size, mtimeMs: stat.mtimeMs };
  }
  const contents = new Map<string, Buffer>();
  const changed = changedFiles(stats, manifest, (file) => {
    const data = readFileSync(join(source, file));
    contents.set(file, data);
    return createHash('sha256').update(data).digest('hex');
  });
  const next: Manifest = {};
  for (const [file, stat] of Object.entries(stats)) {
    const before = manifest[file];
    if (before !== undefined) next[file] = { ...before, ...stat };
  }
  // One checker process per batch of changed zones; only the zones a batch did not clear run alone.
  const zones = changed.map(({ file }) => ({ zone: zoneOfFile(file, zoneFile) ?? file, file, size: stats[file]?.size }));
  const cleared = checker.length > 0 ? await clearedByBatch(checker, source, zones, concurrency) : new Set<string>();
  await mapLimited(changed, concurrency, async ({ file, sha256 }) => {
    const zone = zoneOfFile(file, zoneFile) ?? file;
    const text = (contents.get(file) ?? readFileSync(join(source, file))).toString('utf8');
    const serial = readSoaSerial(text);
    const previous = manifest[file]?.serial;
    if (serial === undefined) problems.push({ file, zone, message: 'no SOA serial found' });
    else if (previous !== undefined && !serialIncreased(previous, serial)) {
      problems.push({
        file,
        zone,
        message: `serial not increased: ${String(previous)} -> ${String(serial)} (the secondaries would keep serving the old zone)`,
      });
    }
    if (checker.length > 0 && !cleared.has(file)) {
      const result = await runCommand([...checker, zone, join(source, file)]);
      if (result.status !== 0) {
        const output = result.output.trim().split('\n').slice(0, 5).join(' / ');
        problems.push({ file, zone, message: `${checker[0] ?? 'checker'} failed${result.error ? ` (${result.error})` : ''}: ${output}` });
      }
    }
    const dnssec = await checkSignedSource(join(source, file), zone, text, dnssecHorizon);
    if (dnssec.problem !== undefined) problems.push({ file, zone, message: dnssec.problem });
    else if (dnssec.scan.kind === 'signed') signed.push({ file, zone, scan: dnssec.scan });
    const stat = stats[file] ?? { size: 0, mtimeMs: 0 };
    next[file] = { ...stat, sha256, serial };
  });
  problems.sort((a, b) => a.file.localeCompare(b.file));
  signed.sort((a, b) => a.file.localeCompare(b.file));
  return {
    source,
    signed,
    changed: changed.map(({ file }) => zoneOfFile(file, zoneFile) ?? file),
    problems,
    accept: () => {
      mkdirSync(join(stateDir, 'manifests'), { recursive: true, mode: 0o700 });
      writeFileAtomic(manifestPath, JSON.stringify(next), { mode: 0o600 });
    },
  };
}
