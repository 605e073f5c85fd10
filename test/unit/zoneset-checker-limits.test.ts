// The checker's limits, with real processes (no sandbox here, so the stand-in checkers can share a
// lock directory): at most checkerConcurrency at once, and every one under prlimit's rlimits.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/shared/policy/load.js';
import type { ZoneSetSettings } from '../../src/shared/policy/types.js';
import { validateZones } from '../../src/zoneset/validate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { soaZone } from '../lab/zones.js';

const base = mkdtempSync(join(tmpdir(), 'zonegate-cklim-'));
const spare = join(base, 'spare');
const live = join(base, 'live');
mkdirSync(spare);
mkdirSync(live);
const zones = ['a.example', 'b.example', 'c.example', 'd.example'];
for (const zone of zones) writeFileSync(join(spare, `db.${zone}`), soaZone(zone, 1));
const added = zones.map((zone) => ({ zone, file: `db.${zone}` }));

function settings(checker: string, limits: Record<string, number>): ZoneSetSettings {
  const rule = {
    direction: 'upload',
    root: '/srv/x',
    paths: ['**'],
    zoneSet: { name: 'x', zones: ['*.example'], checker: [checker], limits },
  };
  const policy = parsePolicy(
    JSON.stringify({ keys: { ns1: { publicKey: fakeEd25519PublicKey(), from: ['192.0.2.1'], rules: [rule] } } }),
    'c',
  );
  const zoneSet = policy.keys.get('ns1')?.rules[0]?.zoneSet;
  if (zoneSet === undefined) throw new Error('no zone set');
  return zoneSet;
}

/**
 * A checker that logs its start and end, fails without its rlimits and, when `waitFor` is set,
 * waits (polling, at most 20 s) until that many checkers have started: concurrency made visible.
 */
function writeChecker(waitFor = 0): { file: string; events: () => string[] } {
  const id = String(Math.random()).slice(2);
  const log = join(base, `events-${id}`);
  const file = join(base, `checker-${id}`);
  writeFileSync(log, '');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `echo "start $1" >> ${log}`,
      'grep -q "^Max cpu time  *7  *7 " /proc/self/limits || { echo "no CPU limit"; exit 1; }',
      'grep -q "^Max address space  *134217728  *134217728 " /proc/self/limits || { echo "no memory limit"; exit 1; }',
      `i=0; while [ "$(grep -c start ${log})" -lt ${String(waitFor)} ]; do i=$((i+1)); [ $i -gt 200 ] && { echo "never saw ${String(waitFor)} at once"; exit 1; }; sleep 0.1; done`,
      `echo "end $1" >> ${log}`,
      'echo "zone $1/IN: loaded serial 1"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { file, events: () => readFileSync(log, 'utf8').trim().split('\n') };
}

const changes = { added, changed: [], removed: [], touched: [], before: 0 };

describe('checker limits', () => {
  const limits = { checkerMemoryMB: 128, checkerCpuSeconds: 7 };

  it('runs one checker at a time with checkerConcurrency 1, each under prlimit (128 MiB, 7 s CPU)', async () => {
    const checker = writeChecker();
    const serials = await validateZones(settings(checker.file, { ...limits, checkerConcurrency: 1 }), spare, live, changes);
    expect(serials).toEqual({ 'a.example': 1, 'b.example': 1, 'c.example': 1, 'd.example': 1 });
    // Each one ends before the next starts.
    expect(checker.events().map((line) => line.split(' ')[0])).toEqual(['start', 'end', 'start', 'end', 'start', 'end', 'start', 'end']);
  });

  it('runs four at once with checkerConcurrency 4 (each waits until it sees all four started)', async () => {
    const checker = writeChecker(4);
    await validateZones(settings(checker.file, { ...limits, checkerConcurrency: 4 }), spare, live, changes);
    expect(
      checker
        .events()
        .slice(0, 4)
        .every((line) => line.startsWith('start')),
    ).toBe(true);
  });

  it('with other limits the checker sees that its rlimits are not the ones it expects (so the limits are real)', async () => {
    await expect(
      validateZones(
        settings(writeChecker().file, { checkerMemoryMB: 256, checkerCpuSeconds: 7, checkerConcurrency: 1 }),
        spare,
        live,
        changes,
      ),
    ).rejects.toThrow(/no memory limit/);
  });
});
