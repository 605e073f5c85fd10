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
    'zonegate_zoneset_held',
    'gauge',
    'The zone set is held by its admin (zonegate hold): 1 while pushes are refused (secondary).',
    zoneSets.map((s) => [`{zoneset="${escape(s.name)}"}`, s.held === undefined ? 0 : 1]),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
