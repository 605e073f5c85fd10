// Which server-side hardening options the installed rsync understands. Older rsyncs refuse unknown
// options, so the gate adds only what `rsync --help` lists. The probe (~3 ms) is cached in a file in
// gate.stateDir, keyed by the rsync binary's identity (device, inode, size, mtime), so an upgraded
// rsync is probed again. The cache decides whether --confine-root, --drop-D and --munge-links are
// added, so it is trusted only when root or the running account wrote it (see trusted-dirs.ts for
// its directory); anything else is ignored, re-probed and reported.

import { writeFileAtomic } from '../shared/atomic-write.js';
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { SpawnError } from '../shared/errors.js';
import { ownershipProblem } from '../shared/trust.js';

export interface RsyncCapabilities {
  confineRoot: boolean;
  dropD: boolean;
  mungeLinks: boolean;
}

export async function probeRsyncCapabilities(rsyncPath: string): Promise<RsyncCapabilities> {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(rsyncPath, ['--help'], { encoding: 'utf8', env: {}, timeout: 5000 });
  if (result.error || typeof result.stdout !== 'string' || result.stdout === '') {
    throw new SpawnError(
      'rsync-missing',
      `cannot run ${rsyncPath} (${(result.error as NodeJS.ErrnoException | undefined)?.code ?? `status ${String(result.status)}`})`,
    );
  }
  const help = result.stdout;
  return {
    confineRoot: help.includes('--confine-root'),
    dropD: help.includes('--drop-D'),
    mungeLinks: help.includes('--munge-links'),
  };
}

function identity(rsyncPath: string): string | undefined {
  try {
    const stat = statSync(rsyncPath);
    return `${rsyncPath}:${String(stat.dev)}:${String(stat.ino)}:${String(stat.size)}:${String(stat.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

function isCapabilities(value: unknown): value is RsyncCapabilities {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return typeof record['confineRoot'] === 'boolean' && typeof record['dropD'] === 'boolean' && typeof record['mungeLinks'] === 'boolean';
}

export interface CachedCapabilities {
  caps: RsyncCapabilities;
  /** Why an existing cache file was not trusted (it was ignored and rsync probed again). */
  untrusted?: string;
}

/** The cache file's text, or why it cannot be trusted; undefined when there is none. */
function readTrustedCache(cacheFile: string): { text: string } | { untrusted: string } | undefined {
  let fd: number;
  try {
    fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { untrusted: code === 'ELOOP' ? `${cacheFile} is a symlink` : `${cacheFile} unreadable (${code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { untrusted: `${cacheFile} is not a regular file` };
    const problem = ownershipProblem(stat);
    if (problem !== undefined) return { untrusted: `${cacheFile} is ${problem}` };
    return { text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** probeRsyncCapabilities through a cache file; a missing, stale or untrusted cache means a probe. */
export async function cachedRsyncCapabilities(rsyncPath: string, cacheFile: string): Promise<CachedCapabilities> {
  const id = identity(rsyncPath);
  const cache = readTrustedCache(cacheFile);
  if (cache !== undefined && 'text' in cache) {
    try {
      const cached = JSON.parse(cache.text) as { id?: unknown; caps?: unknown };
      if (id !== undefined && cached.id === id && isCapabilities(cached.caps)) return { caps: cached.caps };
    } catch {
      // Not JSON: probe below and replace it.
    }
  }
  const caps = await probeRsyncCapabilities(rsyncPath);
  if (id !== undefined) {
    try {
      // Readable by all: `zonegate doctor` writes it as root for a gate that runs as the login account.
      writeFileAtomic(cacheFile, `${JSON.stringify({ id, caps })}\n`, { mode: 0o644 });
    } catch {
      // Caching is an optimisation only (a root-owned state directory the login account cannot write
      // just means a probe per connection until root fills it: `zonegate doctor` does).
    }
  }
  return cache !== undefined && 'untrusted' in cache ? { caps, untrusted: cache.untrusted } : { caps };
}

/** The cache file inside gate.stateDir. */
export const CAPABILITIES_CACHE = 'rsync-capabilities.json';

/** The options the gate appends to every server argv it rebuilds. */
export function hardeningOptions(caps: RsyncCapabilities, direction: 'upload' | 'download', confineDir: string): string[] {
  const options: string[] = [];
  // Filter merge files travel inside the protocol, where no argv check can see them.
  if (caps.confineRoot) options.push(`--confine-root=${confineDir}`);
  if (direction === 'upload') {
    // A receiver must never create device nodes or FIFOs from client data.
    if (caps.dropD) options.push('--drop-D');
    // Pushed symlinks are stored munged, so a later transfer cannot follow one out of the tree.
    if (caps.mungeLinks) options.push('--munge-links');
    // A root receiver with -p would otherwise create setuid/setgid files the client chose.
    options.push('--chmod=ugo-s');
  }
  return options;
}
