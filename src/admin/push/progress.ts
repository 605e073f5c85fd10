// The live per-target display for a person at a terminal (never in cron: only when stdout is a
// TTY). renderProgress is pure; the display redraws its block of lines in place.

import type { TargetPhase } from './target-push.js';

const SPIN = ['|', '/', '-', '\\'];

export function renderProgress(phases: ReadonlyMap<string, TargetPhase>, nowMs: number, startedMs: number, tick: number): string[] {
  const width = Math.max(...[...phases.keys()].map((n) => n.length), 6);
  const elapsed = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const lines = [...phases.entries()].map(([name, phase]) => {
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
    const lines = renderProgress(phases, Date.now(), started, tick++).map((l) => l.slice(0, columns - 1));
    // Move up over the previous block, then rewrite each line and clear its tail.
    stream.write(`${drawn > 0 ? `\x1b[${String(drawn)}A` : ''}${lines.map((l) => `\r${l}\x1b[K\n`).join('')}`);
    drawn = lines.length;
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
