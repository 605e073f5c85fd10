// The live per-target display for a person at a terminal (never in cron: only when stdout is a
// TTY). renderProgress is pure; the display redraws its block of lines in place.

import type { TargetPhase } from './target-push.js';

const SPIN = ['|', '/', '-', '\\'];

/**
 * One line per target while they fit in `maxLines`; past that (a fleet on a terminal of 50 rows),
 * a line of counts, then the targets worth watching: running, retrying and failed ones, as many as
 * fit. Redrawing more lines than the screen has would scroll the block away from the cursor.
 */
export function renderProgress(
  phases: ReadonlyMap<string, TargetPhase>,
  nowMs: number,
  startedMs: number,
  tick: number,
  maxLines = Number.POSITIVE_INFINITY,
): string[] {
  if (phases.size <= maxLines) return renderLines([...phases.entries()], nowMs, startedMs, tick);
  const count = (test: (p: TargetPhase) => boolean): number => [...phases.values()].filter(test).length;
  const ok = count((p) => p.kind === 'done' && p.outcome.kind === 'ok');
  const failed = count((p) => p.kind === 'done' && p.outcome.kind !== 'ok');
  const running = count((p) => p.kind === 'running');
  const waiting = count((p) => p.kind === 'waiting' || p.kind === 'backoff');
  const watched = [...phases.entries()].filter(
    ([, p]) => p.kind === 'running' || p.kind === 'backoff' || (p.kind === 'done' && p.outcome.kind !== 'ok'),
  );
  const head = `  ${String(phases.size)} targets: ${String(ok)} ok, ${String(failed)} failed, ${String(running)} running, ${String(waiting)} waiting`;
  return [head, ...renderLines(watched.slice(0, Math.max(0, maxLines - 1)), nowMs, startedMs, tick)];
}

function renderLines(entries: readonly [string, TargetPhase][], nowMs: number, startedMs: number, tick: number): string[] {
  const width = Math.max(...entries.map(([n]) => n.length), 6);
  const elapsed = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const lines = entries.map(([name, phase]) => {
    const label = name.padEnd(width);
    switch (phase.kind) {
      case 'waiting':
        return `  ${label}  waiting`;
      case 'running':
        return `${SPIN[tick % SPIN.length] ?? '|'} ${label}  pushing${phase.attempt > 1 ? ` (attempt ${String(phase.attempt)})` : ''}  ${elapsed(nowMs - startedMs)}`;
      case 'backoff':
        return `~ ${label}  retry ${String(phase.attempt + 1)} in ${elapsed(Math.max(0, phase.untilMs - nowMs))}`;
      case 'done': {
        const o = phase.outcome;
        const mark = o.kind === 'ok' ? '✓' : '✗';
        const detail = o.kind === 'ok' ? `${String(o.zonesChanged)} zone file(s) changed, ${String(o.bytesSent)} B sent` : o.reason;
        return `${mark} ${label}  ${o.kind.padEnd(7)} ${elapsed(o.durationMs)}  ${detail}`;
      }
    }
  });
  return lines;
}

export interface ProgressDisplay {
  update(name: string, phase: TargetPhase): void;
  stop(): void;
}

export function startProgress(stream: NodeJS.WriteStream, names: readonly string[]): ProgressDisplay {
  const phases = new Map<string, TargetPhase>(names.map((n) => [n, { kind: 'waiting' }]));
  const started = Date.now();
  let drawn = 0;
  let tick = 0;
  const draw = (): void => {
    const columns = stream.columns || 100;
    const lines = renderProgress(phases, Date.now(), started, tick++, Math.max(3, (stream.rows || 24) - 2)).map((l) =>
      l.slice(0, columns - 1),
    );
    // The block may shrink (a fleet's watched targets finish): clear what it no longer covers.
    const blank = Math.max(0, drawn - lines.length);
    // Move up over the previous block, then rewrite each line and clear its tail.
    stream.write(`${drawn > 0 ? `\x1b[${String(drawn)}A` : ''}${lines.map((l) => `\r${l}\x1b[K\n`).join('')}${'\r\x1b[K\n'.repeat(blank)}`);
    drawn = lines.length + blank;
  };
  draw();
  const timer = setInterval(draw, 200);
  return {
    update: (name, phase) => {
      phases.set(name, phase);
      draw();
    },
    stop: () => {
      clearInterval(timer);
      draw();
    },
  };
}
