// Runs local validation once per (source tree, zone file pattern) and turns problems into an
// `invalid` outcome for every target that would push that tree: a broken zone is never sent.

import type { PushSettings, Target } from '../../shared/policy/types.js';
import type { RunLog } from './run-log.js';
import type { TargetOutcome } from './status-file.js';
import { skipMatcher, skippedPatterns } from './skip.js';
import { validateSource, type ZoneProblem } from './validate.js';
import { horizonProblems } from './dnssec-presend.js';
import { SIGNATURE_HORIZON_DEFAULT_SECONDS } from '../../shared/policy/signature-horizon.js';

export async function validateSources(
  targets: readonly Target[],
  settings: PushSettings,
  log: RunLog,
): Promise<Map<string, TargetOutcome>> {
  const blocked = new Map<string, TargetOutcome>();
  const groups = new Map<string, Target[]>();
  for (const target of targets) {
    if (target.zoneFile === undefined) continue;
    const key = `${target.source}\0${target.zoneFile}\0${skippedPatterns(target, settings).join('\0')}`;
    groups.set(key, [...(groups.get(key) ?? []), target]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (first?.zoneFile === undefined) continue;
    const started = Date.now();
    let reason: string | undefined;
    try {
      const result = await validateSource(
        first.source,
        first.zoneFile,
        settings.checker,
        settings.stateDir,
        settings.concurrency,
        skipMatcher(skippedPatterns(first, settings)),
        Math.min(...group.map((target) => target.signatureHorizon ?? SIGNATURE_HORIZON_DEFAULT_SECONDS)),
      );
      log.line(
        `validate ${first.source}: ${String(result.changed.length)} changed zone(s)${result.changed.length > 0 && result.changed.length <= 20 ? `: ${result.changed.join(', ')}` : ''}`,
      );
      for (const problem of result.problems) log.line(`validate ${first.source}: ${problem.file}: ${problem.message}`);
      // Signatures are judged per target (each has its own horizon), against one clock for the run.
      const now = Date.now();
      const perTarget = new Map(group.map((target) => [target.name, horizonProblems(target, result.signed, now)]));
      if (result.problems.length === 0 && [...perTarget.values()].every((problems) => problems.length === 0)) result.accept();
      if (result.problems.length > 0) reason = notSent(result.problems, first.source);
      else {
        for (const target of group) {
          const problems = perTarget.get(target.name) ?? [];
          if (problems.length === 0) continue;
          const why = notSent(problems, first.source);
          for (const problem of problems) log.line(`validate ${first.source} for ${target.name}: ${problem.file}: ${problem.message}`);
          log.line(`${target.name}: ${why}`);
          blocked.set(target.name, invalid(target, why, started));
        }
      }
    } catch (error) {
      reason = `not sent: cannot validate ${first.source} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    if (reason === undefined) continue;
    log.line(reason);
    for (const target of group) blocked.set(target.name, invalid(target, reason, started));
  }
  return blocked;
}

function notSent(problems: readonly ZoneProblem[], source: string): string {
  return `not sent: ${String(problems.length)} zone file problem(s) in ${source}: ${problems
    .slice(0, 3)
    .map((p) => `${p.file}: ${p.message}`)
    .join('; ')}`;
}

function invalid(target: Target, reason: string, started: number): TargetOutcome {
  return {
    target: target.name,
    kind: 'invalid',
    status: undefined,
    reason,
    attempts: 0,
    durationMs: Date.now() - started,
    bytesSent: 0,
    zonesChanged: 0,
  };
}
