// The gate's entry: argv + the three SSH variables in, exit status out. It composes the pure
// pieces, writes the audit log, and is the only place that catches everything: every failure
// becomes one stderr line for the client, one log record, and a distinct exit code.

import { isConfigError, isGateError, type GateError } from '../shared/errors.js';
import { EXIT } from '../shared/exit-codes.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { DEFAULT_CONFIG_PATH, type Policy } from '../shared/policy/types.js';
import { loadPolicy } from '../shared/policy/load.js';
import { splitPublicKey } from '../shared/public-key.js';
import { sha256 } from '../shared/sha256.js';
import { closeSync } from 'node:fs';
import { randomHex } from '../shared/random-hex.js';
import { decideRequest } from './decide.js';
import { admitKey, type Evaluation } from './evaluate.js';
import { writeHelloReply } from './hello.js';
import { requestForm } from './request-form.js';
import { SYSLOG_TAG, syslogRefusal } from './syslog.js';
import { checkGateDirectories } from './trusted-dirs.js';
import { prepareRun, runPrepared } from './run-rsync.js';
import { writeClientStderr } from './client-stderr.js';
import { parseGateArgv } from './gate-argv.js';

/** The only environment variables the gate reads; sshd sets them, the client cannot. */
export interface GateEnv {
  SSH_ORIGINAL_COMMAND?: string | undefined;
  SSH_CONNECTION?: string | undefined;
  SSH_CLIENT?: string | undefined;
  /** SSH_ORIGINAL_COMMAND's raw bytes when they are not valid UTF-8 (see original-command.ts). */
  originalCommandBytes?: Buffer | undefined;
}

interface Connection {
  ref: string;
  keyName: string;
  client: string | undefined;
  command: string | undefined;
  /** The command's raw bytes, base64, when they are not valid UTF-8: logged beside the lossy text. */
  commandBase64: string | undefined;
  started: bigint;
}

export const GATE_USAGE = `Usage: zonegate-gate --key NAME [--config FILE]

The SSH forced command of zonegate. sshd runs it instead of what the client asked for, with the
request in SSH_ORIGINAL_COMMAND; it allows only the rsync that key NAME's rules allow, logs every
decision to the audit log and runs rsync without a shell. Put it in authorized_keys with
\`zonegate authorized-keys\`; try a request with \`zonegate check\`.
Two more request forms: \`zonegate-hello\` (zonegate doctor --connect) is answered on stdout with
the gate's version and the key's rules, running nothing; \`zonegate-dry-run rsync --server …\`
(zonegate push --dry-run) is checked like the upload but nothing goes live. A refusal that cannot
reach the audit log goes to syslog (tag zonegate-gate).

  --key NAME     the key's name under "keys" in the config
  --config FILE  the config (default ${DEFAULT_CONFIG_PATH})

Exit: rsync's status; 65 malformed request; 69 rsync could not start; 77 refused by policy;
78 config unusable; 80-94 zone-set push refused or failed (see the README); 128+n rsync killed by signal n.
`;

export async function runGate(argv: string[], env: GateEnv): Promise<number> {
  const connection: Connection = {
    ref: randomHex(6),
    keyName: '',
    client: (env.SSH_CONNECTION ?? env.SSH_CLIENT)?.split(' ')[0],
    command: env.SSH_ORIGINAL_COMMAND,
    commandBase64: env.originalCommandBytes?.toString('base64'),
    started: process.hrtime.bigint(),
  };
  let audit: AuditLog | undefined;
  try {
    const args = parseGateArgv(argv);
    if (args === 'help') {
      process.stdout.write(GATE_USAGE);
      return EXIT.ok;
    }
    connection.keyName = args.key;
    const policy = loadPolicy(args.config);
    checkGateDirectories(policy);
    audit = openAuditLog(policy.gate.log);
    return await serve(policy, audit, connection);
  } catch (error) {
    return await refuse(error, connection, audit);
  } finally {
    audit?.close();
  }
}

async function serve(policy: Policy, audit: AuditLog, connection: Connection): Promise<number> {
  // The gate always knows its client: sshd sets SSH_CONNECTION. Without it, refuse.
  const client = connection.client ?? '(unknown)';
  if (requestForm(connection.command).kind === 'hello') return serveHello(policy, audit, connection, client);
  // The same decision `zonegate check` makes, the filesystem step included (decide.ts).
  const evaluation = decideRequest(policy, { keyName: connection.keyName, client, command: connection.command }, 'refuse');
  const { rule } = evaluation.decision;
  const keyFingerprint = fingerprint(evaluation.key.publicKey);
  if (rule.zoneSet && evaluation.request.direction === 'upload') {
    // rsync writes into the spare, which the zone-set push pins (and confines in) itself.
    if (evaluation.pinned) closeSync(evaluation.pinned.fd);
    // The zone-set engine is its own bundle (dist/gate-zoneset.cjs, scripts/bundle-gate.mjs), loaded
    // only here: a refusal or a plain rsync run never pays for compiling it. Its errors are branded
    // GateErrors (shared/errors.ts), so refuse() maps them as its own.
    const { serveZoneSetUpload } = await import('./serve-zoneset.js');
    return serveZoneSetUpload(
      policy,
      audit,
      {
        ...describe(connection, evaluation, keyFingerprint),
        ref: connection.ref,
        key: connection.keyName,
        client,
      },
      evaluation,
      rule.zoneSet,
    );
  }
  // Downloads from a zone set read the live release (decide.ts treeOf).
  const pinned = evaluation.pinned;
  if (pinned === undefined) throw new Error('decideRequest left a download or plain upload without a pinned tree');
  const run = await prepareRun(policy, evaluation, pinned);
  audit.write('info', {
    event: 'decision',
    verdict: 'allow',
    ...describe(connection, evaluation, keyFingerprint),
    sandbox: run.sandboxed,
    argv: run.argv,
    ...(run.cacheUntrusted === undefined ? {} : { cacheUntrusted: run.cacheUntrusted }),
  });
  const status = await runPrepared(run, pinned);
  audit.write('info', {
    event: 'finished',
    ref: connection.ref,
    key: connection.keyName,
    fingerprint: keyFingerprint,
    client,
    status,
    durationMs: elapsedMs(connection),
  });
  return status;
}

/** `zonegate-hello` (hello.ts): the key admitted as for any request, logged, answered; nothing runs. */
function serveHello(policy: Policy, audit: AuditLog, connection: Connection, client: string): number {
  const key = admitKey(policy, { keyName: connection.keyName, client });
  const keyFingerprint = fingerprint(key.publicKey);
  const fields = { ref: connection.ref, key: key.name, ...(keyFingerprint === undefined ? {} : { fingerprint: keyFingerprint }), client };
  audit.write('info', { event: 'hello', verdict: 'allow', ...fields, command: connection.command, durationMs: elapsedMs(connection) });
  writeHelloReply({ key, fingerprint: keyFingerprint, client, ref: connection.ref });
  return EXIT.ok;
}

function describe(connection: Connection, evaluation: Evaluation, keyFingerprint: string | undefined): Record<string, unknown> {
  const { decision, request, key } = evaluation;
  return {
    ref: connection.ref,
    key: key.name,
    ...(keyFingerprint === undefined ? {} : { fingerprint: keyFingerprint }),
    client: connection.client,
    command: connection.command,
    ...(connection.commandBase64 === undefined ? {} : { commandBase64: connection.commandBase64 }),
    direction: request.direction,
    ...(evaluation.dryRun ? { dryRun: true } : {}),
    rule: { index: decision.ruleIndex, direction: decision.rule.direction, root: decision.rule.root },
    paths: decision.paths.map((path) => path.relative),
  };
}

async function refuse(error: unknown, connection: Connection, audit: AuditLog | undefined): Promise<number> {
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
    ...(connection.commandBase64 === undefined ? {} : { commandBase64: connection.commandBase64 }),
    reason,
    message: error instanceof Error ? error.message : String(error),
    ...(known?.details ?? {}),
    durationMs: elapsedMs(connection),
  };
  let logged = false;
  try {
    audit?.write('error', record);
    logged = audit !== undefined;
  } catch {
    logged = false;
  }
  // Without an audit log (bad config, unwritable log) nothing is ever run; the refusal goes to
  // syslog instead (syslog.ts), and the line says where its ref can be looked up.
  const syslogged =
    !logged &&
    (await syslogRefusal({
      ref: connection.ref,
      key: connection.keyName,
      client: connection.client,
      command: connection.command,
      reason,
      message: record.message,
    }));
  const note = logged
    ? ''
    : syslogged
      ? `; not in the audit log: see the system log, journalctl -t ${SYSLOG_TAG}`
      : '; not logged: the audit log and syslog are unavailable';
  writeClientStderr(`zonegate: denied: ${clientMessage(known, error)} (ref ${connection.ref}${note})\n`);
  return exitCode;
}

/** The one line the client sees: the reason for refusals, nothing internal for server faults. */
function clientMessage(known: GateError | undefined, error: unknown): string {
  if (isConfigError(known)) return "the secondary's zonegate configuration is unusable; its admin should run `zonegate doctor`";
  if (known) return known.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** SHA256:… as ssh-keygen -l prints it, for allow records (hashed here: loading node:crypto costs ~3 ms, see sha256.ts). */
function fingerprint(publicKey: string): string | undefined {
  const parts = splitPublicKey(publicKey);
  if (!parts) return undefined;
  return `SHA256:${sha256(Buffer.from(parts.body, 'base64')).toString('base64').replace(/=+$/, '')}`;
}

export function elapsedMs(connection: { started: bigint }): number {
  return Math.round(Number(process.hrtime.bigint() - connection.started) / 1e5) / 10;
}
