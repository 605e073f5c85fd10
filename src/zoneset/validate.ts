// Validation before anything goes live: no mass deletion, every added or changed zone passes the
// checker (named-checkzone with strict flags by default), and every changed zone's serial went up.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneFile, ZoneSetChanges } from './diff.js';
import { SANDBOX_TREE, sandboxedHelperArgv } from '../gate/sandbox.js';
import { mapLimited, runCommand } from './run-command.js';
import { readSoaSerial, serialIncreased } from './serial.js';

export function checkDeleteShare(changes: ZoneSetChanges, settings: ZoneSetSettings): void {
  if (changes.removed.length === 0 || changes.before === 0) return;
  const share = changes.removed.length / changes.before;
  // An empty or unmounted source directory on the primary would otherwise wipe the secondary.
  if (share > settings.maxDeleteShare) {
    throw new ZoneSetError(
      'too-many-deletions',
      `the push would delete ${String(changes.removed.length)} of ${String(changes.before)} zones (${String(Math.round(share * 100))}%, limit ${String(Math.round(settings.maxDeleteShare * 100))}%); an empty or unmounted source? nothing was changed`,
    );
  }
}

/** How the checker is run: directly, or through bwrap (the files it reads come from the client). */
export interface CheckerSandbox {
  bwrap: string;
}

async function checkOne(
  settings: ZoneSetSettings,
  dir: string,
  zone: ZoneFile,
  sandbox: CheckerSandbox | undefined,
): Promise<number | undefined> {
  const file = join(dir, zone.file);
  const text = readFileSync(file, 'utf8');
  // attack: `$INCLUDE /etc/shadow` makes the checker (and later named) read any file it can, and the
  // checker's parse errors would echo its lines back to the client.
  if (/^[ \t]*\$INCLUDE\b/im.test(text)) {
    throw new ZoneSetError('zone-invalid', `zone ${zone.zone} (${zone.file}) uses $INCLUDE, which zonegate refuses in pushed zones`, {
      details: { zone: zone.zone },
    });
  }
  if (settings.checker.length === 0) return readSoaSerial(text);
  // A bug in the checker's parser must not be reachable outside the sandbox: it reads client data.
  const shownDir = sandbox ? SANDBOX_TREE : dir;
  const command = [...settings.checker, zone.zone, join(shownDir, zone.file)];
  const result = await runCommand(sandbox ? [sandbox.bwrap, ...sandboxedHelperArgv(command, dir)] : command);
  if (result.status !== 0) {
    // The checker's own words, minus the spare's path (meaningless to the client).
    const said = result.output
      .split(shownDir + '/')
      .join('')
      .trim()
      .split('\n')
      .slice(0, 6)
      .join('; ');
    throw new ZoneSetError(
      'zone-invalid',
      `zone ${zone.zone} (${zone.file}) is invalid: ${said || (result.error ?? `checker exit ${String(result.status)}`)}`,
      {
        details: { zone: zone.zone },
      },
    );
  }
  const loaded = /loaded serial (\d+)/.exec(result.output);
  return loaded ? Number(loaded[1]) : readSoaSerial(text);
}

/** Checks added and changed zones; returns their new serials. */
export async function validateZones(
  settings: ZoneSetSettings,
  spareDir: string,
  liveDir: string,
  changes: ZoneSetChanges,
  sandbox?: CheckerSandbox,
): Promise<Record<string, number>> {
  const touched = [...changes.changed, ...changes.added];
  const serials = await mapLimited(touched, 4, (zone) => checkOne(settings, spareDir, zone, sandbox));
  const result: Record<string, number> = {};
  for (const [index, zone] of touched.entries()) {
    const serial = serials[index];
    if (serial === undefined) throw new ZoneSetError('zone-invalid', `zone ${zone.zone} (${zone.file}) has no readable SOA serial`);
    result[zone.zone] = serial;
  }
  for (const zone of changes.changed) {
    // The live file is what named loaded last (zonegate promoted it after the same checks).
    const before = readSoaSerial(readFileSync(join(liveDir, zone.file), 'utf8'));
    const after = result[zone.zone] ?? 0;
    // named loads a backwards serial on a primary with only a log line; its secondaries would not.
    if (before !== undefined && !serialIncreased(before, after)) {
      throw new ZoneSetError(
        'serial-not-increased',
        `zone ${zone.zone}: serial ${String(after)} is not greater than the live ${String(before)} (RFC 1982); bump the SOA serial`,
        {
          details: { zone: zone.zone, before, after },
        },
      );
    }
  }
  return result;
}
