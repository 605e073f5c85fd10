// The committed sweep of every client option (scripts/sweep-rsync-options.ts) and the gate's verdict
// on one of its lines, for the tests that hold the gate to the real client.
import { readFileSync } from 'node:fs';
import { parseRsyncServerArgs } from '../../src/gate/rsync-args.js';
import { tokenizeCommand } from '../../src/gate/tokenize.js';
import { outcome } from './outcome.js';

export interface SweepLine {
  option: string;
  direction: 'push' | 'pull';
  argv: string[];
  command: string | null;
}

export interface Sweep {
  rsync: string;
  baseline: { push: string; pull: string };
  lines: SweepLine[];
}

export const SWEEP_FIXTURE = new URL('../fixtures/rsync-option-sweep.json', import.meta.url);

export function readSweep(file: URL | string = SWEEP_FIXTURE): Sweep {
  return JSON.parse(readFileSync(file, 'utf8')) as Sweep;
}

/** 'ok', 'delete' (allowed only where deletes are), 'no-connect', or the refusal reason. */
export function sweepVerdict(command: string | null): string {
  if (command === null) return 'no-connect';
  const result = outcome(() => parseRsyncServerArgs(tokenizeCommand(command)));
  if (result.kind === 'refused') return result.reason;
  return result.value.deletes ? 'delete' : 'ok';
}
