// On a secondary: when did each zone set last take a good push? The gate writes lastGoodPush into
// <root>/.zonegate/state.json when it promotes a release. A push that changed nothing promotes
// nothing, so the gate's audit log ("finished" with status 0) is read too: the newest of the two
// is the last time the primary's cron demonstrably reached us.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { layoutOf } from '../../zoneset/layout.js';
import { readState, type LastPush, type PendingPromotion } from '../../zoneset/state.js';
import { checkServer, filesystemSpace, type FilesystemSpace, type ServerCheck } from './zoneset-health.js';
import { readHold, type Hold } from '../../zoneset/hold.js';
import { readZoneSetHealth } from '../../zoneset/health.js';
import type { Policy } from '../../shared/policy/types.js';
import { readZoneSignatures, type ZoneSignature } from '../../zoneset/dnssec-status.js';

export interface ZoneSetStatus {
  name: string;
  root: string;
  release: string | undefined;
  zones: number;
  /** ISO time of the newest good push (promoted or unchanged), or undefined when none is known. */
  lastGoodPush: string | undefined;
  /**
   * What a gate killed mid-promotion left owed (from the journal in state.json), e.g. "reload of
   * a.example": named may serve older zones than the files until the next push finishes it.
   */
  owed?: string | undefined;
  /** How the last push ended (written by the gate), whatever it was. */
  lastPush: LastPush | undefined;
  /** The zone set's filesystem; undefined when it cannot be read. */
  space: FilesystemSpace | undefined;
  server: ServerCheck;
  /** Set by `zonegate hold`: pushes are refused until `zonegate unhold`. */
  held?: Hold | undefined;
  /**
   * Damage found now, one line each: state.json unreadable as JSON, release records whose manifest
   * is damaged (kept, never pruned). The next push repairs state.json; none of it stops serving.
   */
  damage?: readonly string[];
  /** What the next push needs free (room for every live zone to change once), from the engine. */
  spaceNeeded?: { bytes: number; inodes: number } | undefined;
  /** Each signed live zone's earliest RRSIG expiry, and the horizon pushes are held to (seconds). */
  signatures?: { horizon: number; zones: ZoneSignature[] } | undefined;
}

/** The journal of an interrupted promotion, in words; undefined when there is none. */
export function describeOwed(pending: PendingPromotion | undefined): string | undefined {
  if (pending === undefined) return undefined;
  const what = [...pending.reload, ...(pending.reconfig ? ['reconfig'] : [])];
  return what.length > 0 ? `reload owed by an interrupted push (${what.join(', ')})` : 'an interrupted promotion is pending';
}

const LOG_TAIL_BYTES = 4 << 20;

function readTail(file: string, bytes: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Newest successful "finished" record per zone set in gate audit log text (pure). */
export function lastGoodFromGateLog(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.includes('"finished"')) continue;
    try {
      const record = JSON.parse(line) as { event?: unknown; zoneSet?: unknown; status?: unknown; time?: unknown };
      if (record.event !== 'finished' || record.status !== 0 || typeof record.zoneSet !== 'string' || typeof record.time !== 'string')
        continue;
      const before = out.get(record.zoneSet);
      if (before === undefined || before < record.time) out.set(record.zoneSet, record.time);
    } catch {
      // A torn last line or a foreign record: skip it.
    }
  }
  return out;
}

export async function zoneSetStatuses(policy: Policy): Promise<ZoneSetStatus[]> {
  const seen = new Map<string, ZoneSetStatus>();
  const fromLog = lastGoodFromGateLog(readTail(policy.gate.log, LOG_TAIL_BYTES));
  for (const key of policy.keys.values()) {
    for (const rule of key.rules) {
      if (rule.zoneSet === undefined || seen.has(rule.root)) continue;
      const state = readState(layoutOf(rule.root).stateFile);
      const health = readZoneSetHealth(rule.root);
      const logged = fromLog.get(rule.zoneSet.name);
      const times = [state.lastGoodPush, logged].filter((t): t is string => t !== undefined).sort();
      seen.set(rule.root, {
        name: rule.zoneSet.name,
        root: rule.root,
        release: state.release,
        zones: state.zones ?? 0,
        lastGoodPush: times.pop(),
        owed: describeOwed(state.pending),
        lastPush: state.lastPush,
        space: filesystemSpace(rule.root),
        server: await checkServer(rule.zoneSet, layoutOf(rule.root).current),
        held: readHold(layoutOf(rule.root)),
        damage: [
          ...(health.stateDamage === undefined ? [] : [`state.json is damaged (${health.stateDamage}); the next push repairs it`]),
          ...health.damagedReleases.map(
            (release) => `release ${release.id}: ${release.problem} (kept; its previous/ still serves a rollback)`,
          ),
        ],
        spaceNeeded: health.space === undefined ? undefined : { bytes: health.space.need.bytes, inodes: health.space.need.inodes },
        signatures: { horizon: rule.zoneSet.signatureHorizon, zones: readZoneSignatures(rule.root, rule.zoneSet) },
      });
    }
  }
  return [...seen.values()];
}
