// attack: a pushed zone whose checker output runs past what a batch keeps (named-checkconf -z prints
// a warning for each non-terminal wildcard and still loads the zone: 2.4 MB of zone text, 16 MB of
// output), sized so that the cap falls inside the next zone's "loaded serial 2026112601" line,
// after "loaded serial 2026". A line cut there read as a whole line gives that zone a serial from
// no output of its own (2026): the serial check, the verify and the recorded live serial would
// all use it. Real named-checkconf, the cap placed to the octet.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZONESET_DEFAULT_CHECKER } from '../../src/shared/policy/defaults.js';
import { mirrorCheckzone, renderBatchConf, type BatchChecker } from '../../src/zoneset/batch-conf.js';
import { BATCH_MAX_OUTPUT, checkZonesInBatches, runBatch } from '../../src/zoneset/batch-check.js';
import type { CheckJob } from '../../src/zoneset/servers/types.js';
import { soaZone } from '../lab/zones.js';
import { zoneSetSettings } from '../helpers/policy.js';

const STRICT = mirrorCheckzone(ZONESET_DEFAULT_CHECKER) as BatchChecker;
const VICTIM_SERIAL = 2026112601;
const CUT_AFTER = 'zone z.example/IN: loaded serial 2026';

/** A name of `length` characters in labels of at most 61. */
function paddedName(length: number): string {
  const name = Array.from({ length }, (_, i) => ((i + 1) % 62 === 0 ? '.' : 'p')).join('');
  return name.endsWith('.') ? `${name.slice(0, -1)}p` : name;
}

/** y.example: `records` non-terminal wildcards (a warning each) and one whose name is `pad` long. */
function writeNoisyZone(dir: string, records: number, pad: number): void {
  const lines = Array.from({ length: records }, (_, i) => `w${String(i).padStart(6, '0')}.*.n IN TXT "t"`);
  writeFileSync(join(dir, 'db.y.example'), soaZone('y.example', 5, [...lines, `${paddedName(pad)}.*.n IN TXT "t"`].join('\n')));
}

/** Where, in the batch's whole output, the victim's line would be cut. */
function cutOffset(dir: string, jobs: readonly CheckJob[]): number {
  const conf = join(mkdtempSync(join(tmpdir(), 'zonegate-cap-conf-')), 'named.conf');
  writeFileSync(conf, renderBatchConf(dir, jobs, STRICT));
  const result = spawnSync(STRICT.checkconf, ['-z', conf], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const at = (result.stderr + result.stdout).indexOf(`zone z.example/IN: loaded serial ${String(VICTIM_SERIAL)}`);
  if (at === -1) throw new Error(`named-checkconf did not load the victim zone: ${result.stdout.slice(-300)}`);
  return Buffer.byteLength((result.stderr + result.stdout).slice(0, at)) + CUT_AFTER.length;
}

describe("a zone's serial comes from its own whole line, whatever another zone prints", () => {
  it("the cap falling inside the next zone's serial leaves that zone to be checked alone, with its own serial", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-cap-'));
    writeFileSync(join(dir, 'db.z.example'), soaZone('z.example', VICTIM_SERIAL));
    const jobs: CheckJob[] = [
      { zone: 'y.example', file: 'db.y.example', dir, which: 'pushed' },
      { zone: 'z.example', file: 'db.z.example', dir, which: 'pushed' },
    ];
    // Sized from named-checkconf's own output: enough warnings to come near the cap, then one
    // name lengthened octet by octet until the cap falls right after "loaded serial 2026".
    let records = Math.floor(BATCH_MAX_OUTPUT / 100);
    let pad = 1;
    for (let tries = 0; tries < 8; tries++) {
      writeNoisyZone(dir, records, pad);
      const offset = cutOffset(dir, jobs);
      const short = BATCH_MAX_OUTPUT - offset;
      if (short === 0) break;
      if (short > 0 && pad + short <= 240) pad += short;
      // Aim about 120 octets short of the cap, in octets per record as measured.
      else records += Math.floor((short - 120) / Math.ceil(offset / records));
    }
    writeNoisyZone(dir, records, pad);
    expect(cutOffset(dir, jobs)).toBe(BATCH_MAX_OUTPUT);

    const runner = { shownDir: dir, argv: (conf: string) => [STRICT.checkconf, '-z', conf], timeoutMs: 120_000 };
    const outcome = await runBatch(STRICT, jobs, runner);
    // y.example loaded (its line is before the cap); z.example's line was cut: no serial, a suspect.
    expect(outcome.serials).toEqual([5, undefined]);
    expect(outcome.suspects).toEqual([1]);
    // Through the whole batch checker: z.example is checked alone and keeps its own serial.
    expect(await checkZonesInBatches(zoneSetSettings({}), jobs, undefined)).toEqual([5, VICTIM_SERIAL]);
  });
});
