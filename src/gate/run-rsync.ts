// Runs the decided request in a pinned directory: real-filesystem confinement, hardening options the
// installed rsync supports, the sandbox when the host allows it, then rsync itself.

import { closeSync } from 'node:fs';
import { dirname, join } from 'node:path/posix';
import type { Policy } from '../shared/policy/types.js';
import { confineToRealTree, type PinnedRoot } from './confine.js';
import type { Evaluation } from './evaluate.js';
import { buildRsyncArgv } from './rsync-args.js';
import { cachedRsyncCapabilities, hardeningOptions } from './rsync-capabilities.js';
import { sandboxArgv, SANDBOX_TRANSFER_LOG, SANDBOX_TREE, shouldSandbox } from './sandbox.js';
import { transferLogOptions } from '../zoneset/transfer-log.js';
import { spawnRsync, type SpawnPlan } from './spawn-rsync.js';

export interface PreparedRun {
  plan: SpawnPlan;
  argv: string[];
  sandboxed: boolean;
}

/** Values of path options, as root-relative paths, so they get the same real-filesystem check. */
function optionPaths(evaluation: Evaluation): string[] {
  const base = evaluation.request.direction === 'upload' ? (evaluation.decision.paths[0]?.relative ?? '') : '';
  return evaluation.request.pathOptions.map((option) => join(base || '.', option.value ?? '.').replace(/^\.$/, ''));
}

/**
 * `transferLog`: a file rsync logs every change it makes into (zone sets read it afterwards);
 * `serverOptions`: the zone set's own server options (--max-size, --timeout), placed after the
 * client's so that they win.
 */
export async function prepareRun(
  policy: Policy,
  evaluation: Evaluation,
  pinned: PinnedRoot,
  transferLog?: string,
  serverOptions: readonly string[] = [],
): Promise<PreparedRun> {
  confineToRealTree(pinned, evaluation.decision, optionPaths(evaluation));
  const caps = await cachedRsyncCapabilities(policy.gate.rsync, join(dirname(policy.gate.log), '.rsync-capabilities.json'));
  const sandboxed = shouldSandbox(policy.gate.sandbox, policy.gate.bwrap);
  const direction = evaluation.request.direction;
  const hardening = hardeningOptions(caps, direction, sandboxed ? SANDBOX_TREE : pinned.realRoot);
  const logging = transferLog === undefined ? [] : transferLogOptions(sandboxed ? SANDBOX_TRANSFER_LOG : transferLog);
  const argv = buildRsyncArgv(
    evaluation.request,
    evaluation.decision.paths.map((path) => path.operand),
    [...hardening, ...logging, ...serverOptions],
  );
  const plan: SpawnPlan = sandboxed
    ? // bwrap gets the pinned directory as its fd 3 and bind-mounts exactly that directory.
      {
        file: policy.gate.bwrap,
        args: sandboxArgv(policy.gate.rsync, argv, direction === 'upload', transferLog),
        cwd: '/',
        extraFds: [pinned.fd],
      }
    : { file: policy.gate.rsync, args: argv, cwd: `/proc/${String(process.pid)}/fd/${String(pinned.fd)}`, extraFds: [] };
  return { plan, argv, sandboxed };
}

export async function runPrepared(run: PreparedRun, pinned: PinnedRoot): Promise<number> {
  try {
    return await spawnRsync(run.plan);
  } finally {
    closeSync(pinned.fd);
  }
}
