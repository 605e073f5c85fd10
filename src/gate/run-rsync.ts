// Runs the decided request in a pinned directory: real-filesystem confinement, hardening options the
// installed rsync supports, the sandbox when the host allows it, then rsync itself.

import { closeSync } from 'node:fs';
import { join } from 'node:path/posix';
import type { Policy } from '../shared/policy/types.js';
import type { PinnedRoot } from './confine.js';
import { confineRequest } from './decide.js';
import type { Evaluation } from './evaluate.js';
import { buildRsyncArgv } from './rsync-args.js';
import { CAPABILITIES_CACHE, cachedRsyncCapabilities, hardeningOptions } from './rsync-capabilities.js';
import { sandboxArgv, SANDBOX_TRANSFER_LOG, SANDBOX_TREE, shouldSandbox } from './sandbox.js';
import { transferLogOptions } from '../zoneset/transfer-log.js';
import { spawnRsync, type SpawnPlan } from './spawn-rsync.js';

export interface PreparedRun {
  plan: SpawnPlan;
  argv: string[];
  sandboxed: boolean;
  /** Why the capabilities cache was ignored, for the decision record. */
  cacheUntrusted?: string;
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
  // decideRequest() confined the request in the tree it pinned; a zone-set upload pins the spare
  // here, so the same step runs again in the tree rsync will really write.
  confineRequest(evaluation, pinned);
  const { caps, untrusted } = await cachedRsyncCapabilities(policy.gate.rsync, join(policy.gate.stateDir, CAPABILITIES_CACHE));
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
  return { plan, argv, sandboxed, ...(untrusted === undefined ? {} : { cacheUntrusted: untrusted }) };
}

export async function runPrepared(run: PreparedRun, pinned: PinnedRoot): Promise<number> {
  try {
    return await spawnRsync(run.plan);
  } finally {
    closeSync(pinned.fd);
  }
}
