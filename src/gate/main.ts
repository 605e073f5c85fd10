// The gate's entry: argv + the three SSH variables in, exit status out. It composes the pure
// pieces, writes the audit log, and is the only place that catches everything: every failure
// becomes one stderr line for the client, one log record, and a distinct exit code.

import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path/posix';
import { parseArgs } from 'node:util';
import { ConfigError, EXIT, GateError, isGateError } from '../shared/errors.js';
import { openGateLog, type AuditLog } from '../shared/log.js';
import { DEFAULT_CONFIG_PATH, loadPolicy, type Policy } from '../shared/policy.js';
import { splitPublicKey } from '../shared/public-key.js';
import { confineToRealTree, pinRoot, type PinnedRoot } from './confine.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { buildRsyncArgv } from './rsync-args.js';
import { hardeningOptions, probeRsyncCapabilities } from './rsync-capabilities.js';
import { SANDBOX_ROOT_FD, SANDBOX_TREE, sandboxArgv, shouldSandbox } from './sandbox.js';
import { spawnRsync, type SpawnPlan } from './spawn-rsync.js';

/** The only environment variables the gate reads; sshd sets them, the client cannot. */
export interface GateEnv {
  SSH_ORIGINAL_COMMAND?: string | undefined;
  SSH_CONNECTION?: string | undefined;
  SSH_CLIENT?: string | undefined;
}

interface Connection {
  ref: string;
  keyName: string;
  client: string | undefined;
  command: string | undefined;
  started: bigint;
}

export function parseGateArgv(argv: string[]): { key: string; config: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { key: { type: 'string' }, config: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.key === undefined) throw new Error('--key NAME is required');
    return { key: values.key, config: values.config ?? DEFAULT_CONFIG_PATH };
  } catch (error) {
    throw new ConfigError('gate-usage', `bad gate arguments in authorized_keys command=: ${(error as Error).message}`, { cause: error });
  }
}

export async function runGate(argv: string[], env: GateEnv): Promise<number> {
  const connection: Connection = {
    ref: randomBytes(3).toString('hex'),
    keyName: '',
    client: (env.SSH_CONNECTION ?? env.SSH_CLIENT)?.split(' ')[0],
    command: env.SSH_ORIGINAL_COMMAND,
    started: process.hrtime.bigint(),
  };
  let audit: AuditLog | undefined;
  try {
    const args = parseGateArgv(argv);
    connection.keyName = args.key;
    const policy = loadPolicy(args.config);
    audit = openGateLog(policy.gate.log);
    return await serve(policy, audit, connection);
  } catch (error) {
    return refuse(error, connection, audit);
  } finally {
    audit?.close();
  }
}

async function serve(policy: Policy, audit: AuditLog, connection: Connection): Promise<number> {
  // The gate always knows its client: sshd sets SSH_CONNECTION. Without it, refuse.
  const client = connection.client ?? '(unknown)';
  const evaluation = evaluate(policy, { keyName: connection.keyName, client, command: connection.command });
  const pinned = pinRoot(evaluation.decision.rule.root);
  confineToRealTree(pinned, evaluation.decision, optionPaths(evaluation));
  const caps = probeRsyncCapabilities(policy.gate.rsync);
  const sandboxed = shouldSandbox(policy.gate.sandbox, policy.gate.bwrap);
  const direction = evaluation.request.direction;
  const hardening = hardeningOptions(caps, direction, sandboxed ? SANDBOX_TREE : pinned.realRoot);
  const rsyncArgs = buildRsyncArgv(evaluation.request, evaluation.decision.paths.map((path) => path.operand), hardening);
  const plan = spawnPlan(policy, pinned, rsyncArgs, sandboxed, direction === 'upload');
  audit.logger.info({ event: 'decision', verdict: 'allow', ...describe(connection, evaluation), sandbox: sandboxed, argv: rsyncArgs });
  const status = await spawnRsync(plan);
  audit.logger.info({ event: 'finished', ref: connection.ref, key: connection.keyName, client, status, durationMs: elapsedMs(connection) });
  return status;
}

/** Values of path options, as root-relative paths, so they get the same real-filesystem check. */
function optionPaths(evaluation: Evaluation): string[] {
  const base = evaluation.request.direction === 'upload' ? (evaluation.decision.paths[0]?.relative ?? '') : '';
  return evaluation.request.pathOptions.map((option) => join(base || '.', option.value ?? '.').replace(/^\.$/, ''));
}

function spawnPlan(policy: Policy, pinned: PinnedRoot, rsyncArgs: string[], sandboxed: boolean, writable: boolean): SpawnPlan {
  if (!sandboxed) return { file: policy.gate.rsync, args: rsyncArgs, cwd: `/proc/${String(process.pid)}/fd/${String(pinned.fd)}`, extraFds: [] };
  // bwrap gets the pinned root as its fd 3 and bind-mounts exactly that directory.
  return { file: policy.gate.bwrap, args: sandboxArgv(policy.gate.rsync, rsyncArgs, writable), cwd: '/', extraFds: [pinned.fd] };
}

function describe(connection: Connection, evaluation: Evaluation): Record<string, unknown> {
  const { decision, request, key } = evaluation;
  return {
    ref: connection.ref,
    key: key.name,
    fingerprint: fingerprint(key.publicKey),
    client: connection.client,
    command: connection.command,
    direction: request.direction,
    rule: { index: decision.ruleIndex, direction: decision.rule.direction, root: decision.rule.root },
    paths: decision.paths.map((path) => path.relative),
  };
}

function refuse(error: unknown, connection: Connection, audit: AuditLog | undefined): number {
  const known = isGateError(error) ? error : undefined;
  const exitCode = known?.exitCode ?? EXIT.internal;
  const reason = known?.reason ?? 'internal-error';
  const record = {
    event: 'decision',
    verdict: 'deny',
    ref: connection.ref,
    key: connection.keyName,
    client: connection.client,
    command: connection.command,
    reason,
    message: error instanceof Error ? error.message : String(error),
    ...(known?.details ?? {}),
    durationMs: elapsedMs(connection),
  };
  let logged = false;
  try {
    audit?.logger.error(record);
    logged = audit !== undefined;
  } catch {
    logged = false;
  }
  // Without an audit log (bad config, unwritable log) nothing is ever run; the line says so.
  const note = logged ? '' : '; not logged: the audit log is unavailable';
  process.stderr.write(`zonegate: denied: ${clientMessage(known, error)} (ref ${connection.ref}${note})\n`);
  return exitCode;
}

/** The one line the client sees: the reason for refusals, nothing internal for server faults. */
function clientMessage(known: GateError | undefined, error: unknown): string {
  if (known instanceof ConfigError) return "the secondary's zonegate configuration is unusable; its admin should run `zonegate doctor`";
  if (known) return known.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

function fingerprint(publicKey: string): string | undefined {
  const parts = splitPublicKey(publicKey);
  if (!parts) return undefined;
  return `SHA256:${createHash('sha256').update(Buffer.from(parts.body, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

function elapsedMs(connection: Connection): number {
  return Math.round(Number(process.hrtime.bigint() - connection.started) / 1e5) / 10;
}
