// The one way zonegate replaces a file: write a temp file beside it, fsync it, rename it into place,
// fsync the directory. A reader (named, `zonegate status`, Nagios, the next push) sees the old file
// or the new one, never half of one, and after a power cut the rename is on disk with its data.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomHex } from './random-hex.js';

export interface AtomicWriteOptions {
  /** Mode of the new file (default 0644); the umask still applies. */
  mode?: number;
}

/** Writes `content` to `file` atomically and durably (see above). */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  prepareAtomicWrite(file, content, options)();
}

/**
 * Writes and fsyncs the temp file now and returns the commit (rename + directory fsync), for a caller
 * that must have everything written before one rename makes it visible (the promotion journal).
 */
export function prepareAtomicWrite(file: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): () => void {
  const temp = join(dirname(file), `.${basename(file)}.${randomHex(12)}.tmp`);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  return () => {
    try {
      renameSync(temp, file);
    } catch (error) {
      unlinkQuietly(temp);
      throw error;
    }
    fsyncDirectory(dirname(file));
  };
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or the directory is unwritable: nothing more to clean.
  }
}
