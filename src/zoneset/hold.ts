// A hold on a zone set (`zonegate hold SET --reason TEXT`): the secondary's admin stops every push
// until `zonegate unhold SET`, so a rollback is not undone by the primary's next cron run. The hold
// is a small file beside the zone set's state, written atomically; a hold file that cannot be read
// still holds (fail closed).

import { closeSync, openSync, readSync, rmSync, constants } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetLayout } from './layout.js';

export interface Hold {
  reason: string;
  /** ISO time the hold was set. */
  since: string;
}

const MAX_BYTES = 4096;
export const MAX_REASON = 200;

export function holdFile(layout: Pick<ZoneSetLayout, 'meta'>): string {
  return join(layout.meta, 'hold.json');
}

/** The reason as it is stored and shown: one line, no control characters, at most MAX_REASON characters. */
export function cleanReason(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_REASON);
}

/** The hold, or undefined when the zone set is not held. */
export function readHold(layout: Pick<ZoneSetLayout, 'meta'>): Hold | undefined {
  let fd: number;
  try {
    fd = openSync(holdFile(layout), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { reason: `the hold file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, since: '' };
  }
  try {
    const buffer = Buffer.alloc(MAX_BYTES);
    const length = readSync(fd, buffer, 0, MAX_BYTES, 0);
    const raw = JSON.parse(buffer.subarray(0, length).toString('utf8')) as Partial<Hold>;
    return {
      reason: typeof raw.reason === 'string' ? cleanReason(raw.reason) : 'no reason recorded',
      since: typeof raw.since === 'string' ? cleanReason(raw.since) : '',
    };
  } catch {
    return { reason: 'the hold file is damaged', since: '' };
  } finally {
    closeSync(fd);
  }
}

export function setHold(layout: Pick<ZoneSetLayout, 'meta'>, reason: string, now = new Date()): Hold {
  const hold = { reason: cleanReason(reason), since: now.toISOString() };
  writeFileAtomic(holdFile(layout), `${JSON.stringify(hold)}\n`, { mode: 0o644 });
  return hold;
}

/** Removes the hold; returns the one that was set, if any. */
export function releaseHold(layout: Pick<ZoneSetLayout, 'meta'>): Hold | undefined {
  const hold = readHold(layout);
  rmSync(holdFile(layout), { force: true });
  return hold;
}

/** Refuses a push into a held zone set, saying why and how it ends. */
export function refuseIfHeld(layout: Pick<ZoneSetLayout, 'meta'>, name: string): void {
  const hold = readHold(layout);
  if (hold === undefined) return;
  throw new ZoneSetError(
    'zoneset-held',
    `zone set ${name} is held on this secondary${hold.since ? ` since ${hold.since}` : ''}: ${hold.reason}; no push is taken until its admin runs \`zonegate unhold ${name}\``,
    { details: { hold } },
  );
}
