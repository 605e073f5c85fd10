// The real-filesystem half of confinement. The rule's root is opened once and pinned by its file
// descriptor; every check below resolves through that descriptor (/proc/self/fd/N), and rsync later
// runs with that same directory as its cwd (or bind-mounted from the same fd into the sandbox), so
// renaming or swapping the root after the check cannot redirect the transfer.

import { closeSync, constants, fstatSync, openSync, realpathSync } from 'node:fs';
import { DeniedError } from '../shared/errors.js';
import { isInTrees, type Decision } from './rules.js';

export interface PinnedRoot {
  /** The root's real path at the time it was opened. */
  realRoot: string;
  /** An open O_DIRECTORY descriptor on it. */
  fd: number;
  /** A path that names the pinned directory itself, whatever happens to the real path. */
  handle: string;
}

export function pinRoot(root: string): PinnedRoot {
  let realRoot: string;
  let fd: number;
  try {
    realRoot = realpathSync.native(root);
    // O_NOFOLLOW: the last component must not have become a symlink since realpath looked.
    fd = openSync(realRoot, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DeniedError('root-unavailable', `the allowed tree ${root} cannot be opened on this host (${code})`, { cause: error });
  }
  if (!fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new DeniedError('root-unavailable', `the allowed tree ${root} is not a directory`);
  }
  return { realRoot, fd, handle: `/proc/self/fd/${String(fd)}` };
}

/**
 * Resolves a root-relative path as far as it exists, following symlinks, and returns the real path
 * relative to the real root ('' for the root), or undefined when it resolves outside the root.
 */
export function resolveInside(pinned: PinnedRoot, relative: string): string | undefined {
  const segments = relative === '' ? [] : relative.split('/');
  const missing: string[] = [];
  for (;;) {
    const candidate = [pinned.handle, ...segments].join('/');
    let real: string;
    try {
      real = realpathSync.native(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const last = segments.pop();
      // Paths that do not exist yet (an upload's new directory) are checked up to what exists.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && last !== undefined) {
        missing.unshift(last);
        continue;
      }
      throw new DeniedError('path-unresolvable', `cannot resolve ${JSON.stringify(relative)} (${code ?? 'error'})`, { cause: error });
    }
    if (real !== pinned.realRoot && !real.startsWith(`${pinned.realRoot}/`)) return undefined;
    const head = real === pinned.realRoot ? [] : real.slice(pinned.realRoot.length + 1).split('/');
    return [...head, ...missing].join('/');
  }
}

/** Checks every path of the decision against the real filesystem; throws DeniedError on escape. */
export function confineToRealTree(pinned: PinnedRoot, decision: Decision, extraRelative: readonly string[] = []): void {
  const all = [...decision.paths.map((path) => path.relative), ...extraRelative];
  for (const relative of all) {
    const real = resolveInside(pinned, relative);
    // attack: an in-tree symlink (pushed earlier, or planted) that points outside the root.
    if (real === undefined) throw new DeniedError('symlink-escape', `path ${JSON.stringify(relative)} resolves outside the allowed tree`);
    // attack: an in-tree symlink from an allowed tree into a tree this rule does not allow.
    if (!isInTrees(real, decision.rule.paths)) {
      throw new DeniedError(
        'symlink-escape',
        `path ${JSON.stringify(relative)} resolves to ${JSON.stringify(real)}, outside the allowed tree`,
      );
    }
  }
}
