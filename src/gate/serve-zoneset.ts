// An upload into a zone set: rsync runs into the spare tree, a copy of the live zones with its own
// inodes (never into the live files), logging what it changes; only after rsync succeeded is the
// push validated, promoted and reloaded. Whatever fails, the client is told in a few lines what
// happened and that the live zones were kept.

import type { AuditLog } from './audit-log.js';
import { ZoneSetError } from '../shared/errors.js';
import type { Policy, ZoneSetSettings } from '../shared/policy/types.js';
import { pinRoot } from './confine.js';
import type { Evaluation } from './evaluate.js';
import { prepareRun, runPrepared } from './run-rsync.js';
import { shouldSandbox } from './sandbox.js';
import { emptyTrash } from '../zoneset/layout.js';
import { completeZoneSetPush, prepareZoneSetPush } from '../zoneset/pipeline.js';
import { zoneSetServerOptions } from '../zoneset/push-limits.js';

export interface ConnectionFields extends Record<string, unknown> {
  ref: string;
  key: string;
  client: string;
}

function say(lines: readonly string[]): void {
  process.stderr.write(lines.map((line) => `${line}\n`).join(''));
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
  try {
    say(push.recovered);
    const pinned = pinRoot(push.spareDir);
    const run = await prepareRun(policy, evaluation, pinned, push.layout.transferLog, zoneSetServerOptions(settings));
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
    });
    const rsyncStatus = await runPrepared(run, pinned);
    if (rsyncStatus !== 0) {
      say([
        `zonegate: zone set ${settings.name}: rsync failed (exit ${String(rsyncStatus)}); nothing was promoted, the live zones are unchanged`,
      ]);
      audit.write('warn', { ...finished, status: rsyncStatus, outcome: 'rsync-failed', durationMs: durationMs() });
      return rsyncStatus;
    }
    const outcome = await completeZoneSetPush(push);
    say(outcome.report);
    audit.write('info', { ...finished, status: outcome.status, ...outcome.record, durationMs: durationMs() });
    return outcome.status;
  } catch (error) {
    if (!(error instanceof ZoneSetError)) throw error;
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
      reason: error.reason,
      message: error.message,
      ...error.details,
      durationMs: durationMs(),
    });
    return error.exitCode;
  } finally {
    push.finish();
    await emptyTrash(push.layout);
  }
}
