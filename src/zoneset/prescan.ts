// A cheap look at a pushed zone's text before any checker runs: size, $INCLUDE, $GENERATE and the
// record count, read in fixed-size chunks so a huge or hostile file costs bounded memory and stops
// at the first limit it breaks (a 2e9-line $GENERATE is one short line of text). The same pass
// gives the DNSSEC guard its scan of the records (dnssec-rrsig.ts): each pushed file is read and
// tokenized once, not once for the limits and again for the signatures (issue 15: ~70 ms at 2,000
// changed zones).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetLimits } from '../shared/policy/types.js';
import type { ZoneFile } from './diff.js';
import { ZoneTextReader, type ZoneRecordText } from './zone-text.js';
import { finishScan, SignatureScanner, type SignatureScan } from './dnssec-rrsig.js';

const CHUNK = 64 * 1024;
// One buffer for every file: the scan is synchronous, and a fresh zeroed 64 KiB per zone costs
// more than reading a small zone (issue 15: 2,000 zones).
const chunk = Buffer.alloc(CHUNK);

function limitError(zone: ZoneFile, why: string, limit: string): ZoneSetError {
  return new ZoneSetError('limit-exceeded', `zone ${zone.zone} (${zone.file}) ${why} (${limit} on this secondary); nothing was changed`, {
    details: { zone: zone.zone, limit },
  });
}

/** How many names a `$GENERATE start-stop[/step] …` line makes; undefined when it is not well formed. */
export function generateCount(words: readonly string[]): number | undefined {
  const range = /^(\d{1,10})-(\d{1,10})(?:\/(\d{1,10}))?$/.exec(words[1] ?? '');
  if (!range) return undefined;
  const [start, stop, step] = [Number(range[1]), Number(range[2]), Number(range[3] ?? '1')];
  if (step === 0 || stop < start) return undefined;
  return Math.floor((stop - start) / step) + 1;
}

/** What the pre-scan measured of a file that passed: its size (for the checker's batches) and its DNSSEC scan. */
export interface Prescan {
  size: number;
  scan: SignatureScan;
}

/**
 * Throws ZoneSetError (limit-exceeded or zone-invalid) when the zone file breaks a limit; else
 * returns its size and DNSSEC scan, for the signature guard to judge after the checker.
 */
export function prescanZone(path: string, zone: ZoneFile, limits: ZoneSetLimits): Prescan {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size > limits.zoneBytes) throw limitError(zone, `is ${String(size)} bytes`, `zoneSet.limits.zoneBytes ${String(limits.zoneBytes)}`);
    let records = 0;
    const scanner = new SignatureScanner(zone.zone);
    const onRecord = (record: ZoneRecordText): void => {
      records += recordsOf(record, zone, limits);
      if (records > limits.recordsPerZone)
        throw limitError(
          zone,
          `has more than ${String(limits.recordsPerZone)} records`,
          `zoneSet.limits.recordsPerZone ${String(limits.recordsPerZone)}`,
        );
      scanner.record(record);
    };
    const reader = new ZoneTextReader(onRecord);
    const decoder = new StringDecoder('utf8');
    // Never past the size checked above: a file growing under us is read no further than the limit.
    for (let read = 0, total = 0; total < size && (read = readSync(fd, chunk, 0, Math.min(CHUNK, size - total), null)) > 0; total += read) {
      reader.write(decoder.write(chunk.subarray(0, read)));
    }
    reader.write(decoder.end());
    reader.end();
    return { size, scan: finishScan(reader, scanner, zone.zone) };
  } catch (error) {
    if (error instanceof RangeError)
      throw new ZoneSetError('limit-exceeded', `zone ${zone.zone} (${zone.file}) has a record longer than 1 MiB; nothing was changed`);
    throw error;
  } finally {
    closeSync(fd);
  }
}

function recordsOf(record: ZoneRecordText, zone: ZoneFile, limits: ZoneSetLimits): number {
  const directive = record.ownerOmitted ? undefined : record.words[0]?.toUpperCase();
  // attack: `$INCLUDE /etc/shadow` makes the checker (and later named) read any file it can, and the
  // checker's parse errors would echo its lines back to the client.
  if (directive === '$INCLUDE')
    throw new ZoneSetError('zone-invalid', `zone ${zone.zone} (${zone.file}) uses $INCLUDE, which zonegate refuses in pushed zones`, {
      details: { zone: zone.zone },
    });
  if (directive !== '$GENERATE') return directive?.startsWith('$') === true ? 0 : 1;
  // attack: `$GENERATE 1-2000000000 h$ A 10.0.0.1` is one line that costs the checker gigabytes.
  if (limits.generateRange === 0) throw limitError(zone, 'uses $GENERATE, which this zone set refuses', 'zoneSet.limits.generateRange 0');
  const count = generateCount(record.words);
  if (count === undefined)
    throw new ZoneSetError('zone-invalid', `zone ${zone.zone} (${zone.file}) has a $GENERATE whose range zonegate cannot read`);
  if (count > limits.generateRange)
    throw limitError(zone, `has a $GENERATE of ${String(count)} names`, `zoneSet.limits.generateRange ${String(limits.generateRange)}`);
  return count;
}
