// node_exporter textfile collector format (pure). Write it with `--output FILE`, which renames a
// temp file into place, so the collector never reads a half-written file.

import type { PushStatus } from '../push/status-file.js';
import type { ZoneSetStatus } from './secondary.js';

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const seconds = (iso: string | undefined): string | undefined => (iso === undefined ? undefined : String(Date.parse(iso) / 1000));

export function renderPrometheus(primary: PushStatus | undefined, zoneSets: readonly ZoneSetStatus[]): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, string | number | undefined][]): void => {
    const present = samples.filter(([, v]) => v !== undefined);
    if (present.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...present.map(([labels, v]) => `${name}${labels} ${String(v)}`));
  };
  if (primary !== undefined) {
    const targets = Object.entries(primary.targets);
    const per = (pick: (t: PushStatus['targets'][string]) => number | string | undefined): [string, string | number | undefined][] =>
      targets.map(([name, t]) => [`{target="${escape(name)}"}`, pick(t)]);
    metric('zonegate_push_runs_total', 'counter', 'Push runs that took the lock.', [['', primary.runs]]);
    metric('zonegate_push_failed_runs_total', 'counter', 'Push runs that exited non-zero.', [['', primary.failedRuns]]);
    metric('zonegate_push_skips_total', 'counter', 'Push runs skipped because the previous run held the lock.', [['', primary.skips]]);
    metric('zonegate_push_consecutive_skips', 'gauge', 'Push runs skipped in a row.', [['', primary.consecutiveSkips]]);
    metric('zonegate_push_last_run_timestamp_seconds', 'gauge', 'When the last push run ended.', [['', seconds(primary.lastRun)]]);
    metric('zonegate_push_last_run_exit_code', 'gauge', 'Exit code of the last push run.', [['', primary.lastRunExit]]);
    metric(
      'zonegate_push_last_run_problem',
      'gauge',
      'The last push run failed as a whole (1), e.g. its run log could not be written; the reason is in `zonegate status`.',
      [['', primary.runs === 0 ? undefined : primary.lastRunProblem === undefined ? 0 : 1]],
    );
    metric(
      'zonegate_push_target_runs_total',
      'counter',
      'Pushes attempted per target.',
      per((t) => t.runs),
    );
    metric(
      'zonegate_push_target_failures_total',
      'counter',
      'Failed pushes per target.',
      per((t) => t.failures),
    );
    metric(
      'zonegate_push_target_consecutive_failures',
      'gauge',
      'Failed pushes in a row per target.',
      per((t) => t.consecutiveFailures),
    );
    metric(
      'zonegate_push_target_last_success_timestamp_seconds',
      'gauge',
      'Last successful push per target.',
      per((t) => seconds(t.lastSuccess)),
    );
    metric(
      'zonegate_push_target_last_duration_seconds',
      'gauge',
      'Duration of the last push per target.',
      per((t) => t.lastDurationMs / 1000),
    );
    metric(
      'zonegate_push_target_bytes_sent_total',
      'counter',
      'Bytes rsync sent per target.',
      per((t) => t.bytesSentTotal),
    );
    metric(
      'zonegate_push_target_zones_changed_total',
      'counter',
      'Zone files sent or deleted per target.',
      per((t) => t.zonesChangedTotal),
    );
  }
  metric(
    'zonegate_zoneset_last_good_push_timestamp_seconds',
    'gauge',
    'Last good push a zone set took (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, seconds(s.lastGoodPush)]),
  );
  metric(
    'zonegate_zoneset_reload_owed',
    'gauge',
    'A gate killed mid-promotion left a reload owed (1) until the next push finishes it (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, s.owed === undefined ? 0 : 1]),
  );
  metric(
    'zonegate_zoneset_damage',
    'gauge',
    'Damaged files found now: state.json and release records whose manifest cannot be read (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, (s.damage ?? []).length]),
  );
  metric(
    'zonegate_zoneset_push_needed_bytes',
    'gauge',
    'Free bytes the next push needs (room for every live zone to change once); less refuses it (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, s.spaceNeeded?.bytes]),
  );
  const per = (pick: (s: ZoneSetStatus) => number | string | undefined): [string, string | number | undefined][] =>
    zoneSets.map((set) => [`{zoneset="${escape(set.name)}"}`, pick(set)]);
  const lastOk = (set: ZoneSetStatus): number | undefined =>
    set.lastPush === undefined ? undefined : set.lastPush.outcome === 'promoted' || set.lastPush.outcome === 'unchanged' ? 1 : 0;
  metric(
    'zonegate_zoneset_last_push_timestamp_seconds',
    'gauge',
    'When the last push into a zone set ended, whatever its outcome.',
    per((set) => seconds(set.lastPush?.time)),
  );
  metric(
    'zonegate_zoneset_last_push_ok',
    'gauge',
    'The last push was promoted or unchanged (1), or refused, failed or rolled back (0).',
    per(lastOk),
  );
  metric(
    'zonegate_zoneset_last_push_exit_code',
    'gauge',
    "The gate's exit status for the last push.",
    per((set) => set.lastPush?.status),
  );
  metric(
    'zonegate_zoneset_filesystem_avail_bytes',
    'gauge',
    "Bytes free for zonegate on the zone set's filesystem.",
    per((set) => set.space?.availBytes),
  );
  metric(
    'zonegate_zoneset_filesystem_size_bytes',
    'gauge',
    "Size of the zone set's filesystem.",
    per((set) => set.space?.sizeBytes),
  );
  metric(
    'zonegate_zoneset_filesystem_files_free',
    'gauge',
    "Inodes free on the zone set's filesystem.",
    per((set) => set.space?.availInodes),
  );
  metric(
    'zonegate_zoneset_filesystem_files',
    'gauge',
    "Inodes on the zone set's filesystem (0: no fixed limit).",
    per((set) => set.space?.totalInodes),
  );
  metric(
    'zonegate_zoneset_server_up',
    'gauge',
    "The zone set's verify server answered an SOA query for a live zone (1) or not (0); absent when not checked.",
    per((set) => (set.server.kind === 'not-checked' ? undefined : set.server.kind === 'answers' ? 1 : 0)),
  );
  metric(
    'zonegate_zoneset_held',
    'gauge',
    'The zone set is held by its admin (zonegate hold): 1 while pushes are refused (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, s.held === undefined ? 0 : 1]),
  );
  metric(
    'zonegate_zoneset_signature_horizon_seconds',
    'gauge',
    'How long every RRSIG of a pushed signed zone must stay valid (zoneSet.signatureHorizon) (secondary).',
    per((set) => (set.signatures === undefined || set.signatures.zones.length === 0 ? undefined : set.signatures.horizon)),
  );
  metric(
    'zonegate_zone_signature_expiry_timestamp_seconds',
    'gauge',
    'When the first RRSIG of a signed live zone expires; alert well before a validating resolver would see it bogus (secondary).',
    zoneSets.flatMap((set) =>
      (set.signatures?.zones ?? []).map((z): [string, number | undefined] => [
        `{zoneset="${escape(set.name)}",zone="${escape(z.zone)}"}`,
        z.expires,
      ]),
    ),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
