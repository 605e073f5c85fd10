// `zonegate doctor --connect` on a primary: for each target, the push's own ssh command line (same
// key, pinned host key, options) asks the gate `zonegate-hello`, an authenticated request that the
// gate answers without running rsync (src/gate/hello.ts). A reply proves the whole chain: private
// key, authorized_keys line and its from=, command= path, the gate and its config. Everything the
// secondary prints is bounded and sanitized before it reaches the checklist.

import { execa } from 'execa';
import type { Target } from '../../shared/policy/types.js';
import { HELLO_COMMAND } from '../../gate/request-form.js';
import { GATE_EXIT_PREFIX } from '../../shared/exit-codes.js';
import { sshArgv } from '../push/rsync-argv.js';
import { MAX_REASON_CHARS, sanitizeReason } from '../push/remote-text.js';
import { SSH_KEY_WARNING } from '../push/identity-check.js';
import type { CheckItem } from './checks.js';
import { MAX_HELLO_BYTES, parseHelloReply, renderHelloRule } from './hello-reply.js';

const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: process.env['HOME'] ?? '/' };

/** What to do about a failed hello, by exit status: ssh's 255, the gate's refusal, or its config. */
function fixFor(status: number | undefined, target: Target): string {
  if (status === 255)
    return `check that the key ${target.identity}.pub is in ${target.user}'s authorized_keys on ${target.host} (zonegate authorized-keys --install there) and that its from= lists this host's address`;
  if (status === 78)
    return `on ${target.host}: zonegate doctor; the gate's config is unusable (its refusal is in the system log under the ref)`;
  if (status === 77) return `on ${target.host}: zonegate log --outcome denied shows the ref; fix keys.* there`;
  return `on ${target.host}: zonegate doctor`;
}

export async function connectItem(target: Target, ssh?: string): Promise<CheckItem> {
  const title = `target ${target.name}: connect (${target.user}@${target.host}:${String(target.port)})`;
  const argv = [...sshArgv(target, ssh), target.host, HELLO_COMMAND];
  const result = await execa(argv[0] ?? 'ssh', argv.slice(1), {
    reject: false,
    stdin: 'ignore',
    env: CHILD_ENV,
    extendEnv: false,
    timeout: (target.timeoutSeconds ?? 60) * 1000,
    maxBuffer: MAX_HELLO_BYTES + 1,
    stripFinalNewline: false,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.exitCode === 0 && !result.isMaxBuffer && !result.timedOut) {
    const parsed = parseHelloReply(stdout);
    if (parsed.kind === 'bad')
      return {
        status: 'fail',
        title,
        detail: `the secondary's reply was not understood: ${parsed.reason}`,
        fix: fixFor(undefined, target),
      };
    const { reply } = parsed;
    return {
      status: 'ok',
      title: `${title}: gate ${reply.gate} answered as key ${reply.key} from ${reply.client} (ref ${reply.ref})`,
      detail: [
        ...(reply.fingerprint === undefined ? [] : [`key fingerprint ${reply.fingerprint}`]),
        ...(reply.rules.length === 0 ? ['the key has no rules'] : reply.rules.map((rule) => renderHelloRule(rule, reply.key))),
      ].join('\n       '),
    };
  }
  const lines = stderr.replace(/\r/g, '').split('\n');
  // The gate's one refusal line says more than ssh's or the exit line; then ssh's own reasons.
  const said =
    lines.find((l) => l.startsWith('zonegate: ') && !l.startsWith(GATE_EXIT_PREFIX)) ??
    lines.find((l) => SSH_KEY_WARNING.test(l)) ??
    lines.find((l) => /^ssh: |Connection (refused|timed out|closed)|Host key verification failed|Permission denied/.test(l));
  const why = result.timedOut
    ? `no answer within ${String(target.timeoutSeconds ?? 60)} s`
    : result.isMaxBuffer
      ? `the reply is longer than ${String(MAX_HELLO_BYTES)} bytes`
      : `exit ${String(result.exitCode ?? result.signal ?? '?')}`;
  return {
    status: 'fail',
    title: `${title}: failed (${why})`,
    detail: sanitizeReason(said ?? (stderr.trim() || 'no message'), MAX_REASON_CHARS),
    fix: fixFor(result.exitCode, target),
  };
}
