// Which server-side hardening options the installed rsync understands. Older rsyncs refuse unknown
// options, so the gate adds only what `rsync --help` lists; the probe costs a few milliseconds.

import { spawnSync } from 'node:child_process';
import { SpawnError } from '../shared/errors.js';

export interface RsyncCapabilities {
  confineRoot: boolean;
  dropD: boolean;
  mungeLinks: boolean;
}

export function probeRsyncCapabilities(rsyncPath: string): RsyncCapabilities {
  const result = spawnSync(rsyncPath, ['--help'], { encoding: 'utf8', env: {}, timeout: 5000 });
  if (result.error || typeof result.stdout !== 'string' || result.stdout === '') {
    throw new SpawnError('rsync-missing', `cannot run ${rsyncPath} (${(result.error as NodeJS.ErrnoException | undefined)?.code ?? `status ${String(result.status)}`})`);
  }
  const help = result.stdout;
  return {
    confineRoot: help.includes('--confine-root'),
    dropD: help.includes('--drop-D'),
    mungeLinks: help.includes('--munge-links'),
  };
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
  }
  return options;
}
