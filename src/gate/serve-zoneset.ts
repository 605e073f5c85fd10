// An upload into a zone set: rsync runs into the spare tree, hard links of the live zones that rsync
// only ever replaces, never writes into (zoneset/receiver.ts), logging what it changes; only after rsync succeeded is the
// push validated, promoted and reloaded. Whatever fails, the client is told in a few lines what
// happened and that the live zones were kept.

import type { AuditLog } from './audit-log.js';
import { ZoneSetError } from '../shared/errors.js';
import { EXIT, GATE_PROGRESS_PREFIX } from '../shared/exit-codes.js';
import type { Policy, ZoneSetSettings } from '../shared/policy/types.js';
import { pinRoot, type PinnedRoot } from './confine.js';
import type { Evaluation } from './evaluate.js';
import { prepareRun, runPrepared, type PreparedRun } from './run-rsync.js';
import { shouldSandbox } from './sandbox.js';
import { emptyTrash } from '../zoneset/layout.js';
import { abandonZoneSetPush, completeZoneSetPush, prepareZoneSetPush } from '../zoneset/pipeline.js';
import { completeZoneSetDryRun } from '../zoneset/dry-run.js';
import { receiverRequest } from '../zoneset/receiver.js';
import { recordLastPush, type LastPush, type LastPushOutcome } from '../zoneset/state.js';
import { zoneSetServerOptions } from '../zoneset/push-limits.js';
import { writeClientStderr } from './client-stderr.js';

export interface ConnectionFields extends Record<string, unknown> {
  ref: string;
  key: string;
  client: string;
}

/** The data was refused (the primary must fix it); reload-failed means the server would not take it and it was undone. */
function lastOutcome(reason: string): LastPushOutcome {
  if (reason === 'reload-failed') return 'rolled-back';
  return [
    'zone-invalid',
    'serial-not-increased',
    'too-many-deletions',
    'not-a-zone-file',
    'option-refused-zoneset',
    'zone-not-allowed',
    'limit-exceeded',
    'dnssec-refused',
  ].includes(reason)
    ? 'refused'
    : 'failed';
}

function say(lines: readonly string[]): void {
  writeClientStderr(lines.map((line) => `${line}\n`).join(''));
}

/**
 * attack: one key sending slowly (--bwlimit=20) holds the zone set's lock for as long as it likes,
 * and the other key of the set is refused as busy. rsync's own --timeout only catches idleness, so
 * the whole transfer gets a deadline: rsync is killed, the push refused, and the finally below
 * releases the lock; the spare stays marked (prepareZoneSetPush marked it) and is copied afresh.
 */
async function runWithDeadline(run: PreparedRun, pinned: PinnedRoot, settings: ZoneSetSettings): Promise<number> {
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort();
  }, settings.transferTimeoutSeconds * 1000);
  try {
    const status = await runPrepared({ ...run, plan: { ...run.plan, signal: deadline.signal } }, pinned);
    if (!deadline.signal.aborted) return status;
  } finally {
    clearTimeout(timer);
  }
  throw new ZoneSetError(
    'transfer-timeout',
    `the transfer took longer than ${String(settings.transferTimeoutSeconds)} s (zoneSet.transferTimeoutSeconds on this secondary); rsync was stopped and nothing was promoted`,
  );
}

export async function serveZoneSetUpload(
  policy: Policy,
  audit: AuditLog,
  fields: ConnectionFields,
  evaluation: Evaluation,
  settings: ZoneSetSettings,
): Promise<number> {
  const started = process.hrtime.bigint();
  const durationMs = (): number => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  const checkerSandbox = shouldSandbox(policy.gate.sandbox, policy.gate.bwrap) ? { bwrap: policy.gate.bwrap } : undefined;
  const push = await prepareZoneSetPush(evaluation.decision.rule.root, settings, checkerSandbox);
  const finished = { event: 'finished', ref: fields.ref, key: fields.key, client: fields.client, zoneSet: settings.name };
  // How this push ended, kept in state.json (under the lock, before it is released) for `zonegate status`.
  let last: Omit<LastPush, 'time' | 'ref'> | undefined;
  try {
    say(push.recovered);
    const pinned = pinRoot(push.spareDir);
    const run = await prepareRun(
      policy,
      { ...evaluation, request: receiverRequest(evaluation.request) },
      pinned,
      push.layout.transferLog,
      zoneSetServerOptions(settings),
    );
    audit.write('info', {
      event: 'decision',
      verdict: 'allow',
      ...fields,
      zoneSet: settings.name,
      push: push.id,
      spareRebuilt: push.spareRebuilt,
      recovered: push.recovered.length > 0 ? push.recovered : undefined,
      sandbox: run.sandboxed,
      argv: run.argv,
      ...(run.cacheUntrusted === undefined ? {} : { cacheUntrusted: run.cacheUntrusted }),
    });
    // The gate's own part: node's start, the decision, the lock and the spare, up to rsync.
    push.clock.sinceStart('gate');
    const rsyncStatus = await push.clock.time('transfer', () => runWithDeadline(run, pinned, settings));
    if (rsyncStatus !== 0) {
      abandonZoneSetPush(push);
      say([
        `zonegate: zone set ${settings.name}: rsync failed (exit ${String(rsyncStatus)}); nothing was promoted, the live zones are unchanged`,
      ]);
      audit.write('warn', { ...finished, status: rsyncStatus, outcome: 'rsync-failed', durationMs: durationMs() });
      if (!evaluation.dryRun)
        last = { outcome: 'failed', status: rsyncStatus, reason: `rsync failed (exit ${String(rsyncStatus)}); nothing was promoted` };
      return rsyncStatus;
    }
    if (evaluation.dryRun) {
      // A dry run leaves no trace in the zone set's state: `zonegate status` reports real pushes only.
      say([`${GATE_PROGRESS_PREFIX}zone set ${settings.name}: transfer complete; checking (dry run: nothing will be promoted)`]);
      const outcome = await completeZoneSetDryRun(push);
      say(outcome.report);
      audit.write('info', { ...finished, status: outcome.status, ...outcome.record, durationMs: durationMs() });
      return outcome.status;
    }
    say([`${GATE_PROGRESS_PREFIX}zone set ${settings.name}: transfer complete; checking, promoting and reloading`]);
    const outcome = await completeZoneSetPush(push);
    say(outcome.report);
    audit.write('info', { ...finished, status: outcome.status, ...outcome.record, durationMs: durationMs() });
    last = {
      outcome: outcome.record['outcome'] === 'unchanged' ? 'unchanged' : 'promoted',
      status: outcome.status,
      reason: (outcome.report[0] ?? '').replace(/^zonegate: /, ''),
    };
    return outcome.status;
  } catch (error) {
    if (!(error instanceof ZoneSetError)) {
      if (evaluation.dryRun) throw error;
      last = { outcome: 'failed', status: EXIT.internal, reason: 'internal error; see the audit log' };
      throw error;
    }
    if (!evaluation.dryRun) last = { outcome: lastOutcome(error.reason), status: error.exitCode, reason: error.message };
    say([
      `zonegate: zone set ${settings.name}: push refused: ${error.message}`,
      error.details['liveChanged'] === true
        ? `zonegate: the new zones are live (ref ${fields.ref})`
        : `zonegate: the live zones were left as they were (ref ${fields.ref})`,
    ]);
    audit.write('error', {
      ...finished,
      status: error.exitCode,
      outcome: 'refused',
      ...(evaluation.dryRun ? { dryRun: true } : {}),
      reason: error.reason,
      message: error.message,
      ...error.details,
      durationMs: durationMs(),
    });
    return error.exitCode;
  } finally {
    // Last progress line, after every report line and before the exit line: where the time went.
    say([push.clock.render()]);
    if (last !== undefined) {
      try {
        recordLastPush(push.layout.stateFile, { ...last, ref: fields.ref });
      } catch (error) {
        // The push's own result stands; monitoring misses one record, and the audit log says why.
        audit.write('error', { event: 'state-write-failed', ref: fields.ref, zoneSet: settings.name, message: String(error) });
      }
    }
    push.finish();
    await emptyTrash(push.layout);
  }
}
