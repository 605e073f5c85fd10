// The zone set's state file: which release is live, the serials zonegate last saw go live, and
// when the last good push happened (monitoring reads it: `zonegate status`). Written atomically.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomHex } from '../random-hex.js';

export interface ZoneSetState {
  release: string | undefined;
  previous: string | undefined;
  lastGoodPush: string | undefined;
  serials: Record<string, number>;
  /**
   * The reload a promotion still owes named. Written before the release goes live and cleared
   * after the reload was verified, so a gate killed in between is finished by the next push.
   */
  pending?: { reload: string[]; reconfig: boolean } | undefined;
}

export function readState(file: string): ZoneSetState {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<ZoneSetState>;
    return {
      release: typeof raw.release === 'string' ? raw.release : undefined,
      previous: typeof raw.previous === 'string' ? raw.previous : undefined,
      lastGoodPush: typeof raw.lastGoodPush === 'string' ? raw.lastGoodPush : undefined,
      serials: raw.serials !== null && typeof raw.serials === 'object' ? raw.serials : {},
      pending: raw.pending !== null && typeof raw.pending === 'object' && Array.isArray(raw.pending.reload) ? raw.pending : undefined,
    };
  } catch {
    return { release: undefined, previous: undefined, lastGoodPush: undefined, serials: {} };
  }
}

export function writeState(file: string, state: ZoneSetState): void {
  // Compact: with tens of thousands of zones, pretty-printing the serials costs real time.
  prepareFile(file, `${JSON.stringify(state)}\n`)();
}

/** Writes a temp file beside `file` and returns a function that renames it into place. */
export function prepareFile(file: string, content: string): () => void {
  const temp = `${file}.${randomHex(8)}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  return () => {
    renameSync(temp, file);
  };
}
