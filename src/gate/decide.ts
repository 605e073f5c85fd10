// The gate's whole decision, its filesystem step included, as one function that the gate and
// `zonegate check` both call: evaluate (key, client, command, rule) and then confinement on the real
// tree, symlinks resolved through a pinned descriptor (confine.ts). The only difference between the
// two callers is what a missing tree means: the gate refuses, `check` (often run on another host)
// says the filesystem step was not run.

import { closeSync } from 'node:fs';
import { join } from 'node:path/posix';
import { isGateError } from '../shared/errors.js';
import type { Policy } from '../shared/policy/types.js';
import { confineToRealTree, pinRoot, type PinnedRoot } from './confine.js';
import { evaluate, type Evaluation, type EvaluationInput } from './evaluate.js';

export type Decided = Evaluation &
  ({ filesystem: 'checked'; pinned: PinnedRoot; tree: string } | { filesystem: 'not-run'; pinned: undefined; tree: string });

/** The directory whose real tree the paths are resolved in: the rule's root, or a zone set's live tree. */
export function treeOf(evaluation: Evaluation): string {
  const { rule } = evaluation.decision;
  // A zone-set upload lands in the spare, a copy of the live tree made just before rsync runs; the
  // gate confines again in the spare (run-rsync.ts), the live tree is what the spare will hold.
  return rule.zoneSet ? `${rule.root}/current` : rule.root;
}

/** Values of path options, as root-relative paths, so they get the same real-filesystem check. */
export function optionPaths(evaluation: Evaluation): string[] {
  const base = evaluation.request.direction === 'upload' ? (evaluation.decision.paths[0]?.relative ?? '') : '';
  return evaluation.request.pathOptions.map((option) => join(base || '.', option.value ?? '.').replace(/^\.$/, ''));
}

/** The filesystem step on an already pinned tree: every path and path option must stay in the rule's trees. */
export function confineRequest(evaluation: Evaluation, pinned: PinnedRoot): void {
  confineToRealTree(pinned, evaluation.decision, optionPaths(evaluation));
}

function isMissingTree(error: unknown): boolean {
  if (!isGateError(error) || error.reason !== 'root-unavailable') return false;
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Decides a request as the gate does. `missingTree: 'skip'` turns "the tree does not exist here"
 * into `filesystem: 'not-run'` instead of a refusal. A returned `pinned` descriptor is the caller's
 * to close.
 */
export function decideRequest(policy: Policy, input: EvaluationInput, missingTree: 'refuse' | 'skip'): Decided {
  const evaluation = evaluate(policy, input);
  const tree = treeOf(evaluation);
  // A zone set that was never pushed has no live tree yet: its first upload creates it.
  const newZoneSet = evaluation.decision.rule.zoneSet !== undefined && evaluation.request.direction === 'upload';
  let pinned: PinnedRoot;
  try {
    pinned = pinRoot(tree);
  } catch (error) {
    if ((missingTree === 'skip' || newZoneSet) && isMissingTree(error))
      return { ...evaluation, filesystem: 'not-run', pinned: undefined, tree };
    throw error;
  }
  try {
    confineRequest(evaluation, pinned);
  } catch (error) {
    closeSync(pinned.fd);
    throw error;
  }
  return { ...evaluation, filesystem: 'checked', pinned, tree };
}
