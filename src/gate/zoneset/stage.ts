// Staging: a push is received into a hard-linked replica of the live release, so rsync sees the
// secondary exactly as it is (deltas, --delete and partial pushes behave as usual) while every file
// it changes is written as a new inode beside the live one (rsync writes a temp file and renames).

import { linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../../shared/errors.js';

export function stageFromRelease(releaseDir: string, stagingDir: string): void {
  try {
    mkdirSync(stagingDir, { mode: 0o755 });
    for (const entry of readdirSync(releaseDir, { withFileTypes: true })) {
      // Releases hold only regular zone files: zonegate refuses anything else before promoting.
      if (entry.isFile()) linkSync(join(releaseDir, entry.name), join(stagingDir, entry.name));
    }
  } catch (error) {
    rmSync(stagingDir, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ZoneSetError('staging-failed', `cannot prepare staging (${code}); the live zones are unchanged`, { cause: error });
  }
}
