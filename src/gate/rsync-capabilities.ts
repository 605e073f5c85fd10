// Which server-side hardening options the installed rsync understands. Older rsyncs refuse unknown
// options, so the gate adds only what `rsync --help` lists. The probe (~3 ms) is cached in a file
// beside the audit log, keyed by the rsync binary's identity (device, inode, size, mtime), so an
// upgraded rsync is probed again.

import { writeFileAtomic } from '../shared/atomic-write.js';
import { readFileSync, statSync } from 'node:fs';
import { SpawnError } from '../shared/errors.js';

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

/** probeRsyncCapabilities through a cache file; a missing or stale cache just means a probe. */
export async function cachedRsyncCapabilities(rsyncPath: string, cacheFile: string): Promise<RsyncCapabilities> {
  const id = identity(rsyncPath);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { id?: unknown; caps?: unknown };
    if (id !== undefined && cached.id === id && isCapabilities(cached.caps)) return cached.caps;
  } catch {
    // No usable cache: probe below.
  }
  const caps = await probeRsyncCapabilities(rsyncPath);
  if (id !== undefined) {
    try {
      writeFileAtomic(cacheFile, `${JSON.stringify({ id, caps })}\n`, { mode: 0o600 });
    } catch {
      // Caching is an optimisation only.
    }
  }
  return caps;
}

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
