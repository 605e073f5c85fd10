// Fault injection for the recovery tests: `ZONEGATE_FAULT=kill:<point>` makes the process SIGKILL
// itself at that point, `ZONEGATE_FAULT=enospc:<point>` throws ENOSPC there, as a full disk would.
// Inert in production: sshd hands the forced command no client environment (AcceptEnv and
// PermitUserEnvironment are off by default, and `restrict` keys get neither), the gate passes none
// to rsync, and test/integration/zoneset-faults-sshd.test.ts checks that a client's SetEnv is ignored.

const spec = /^(kill|enospc):([a-z-]+)$/.exec(process.env['ZONEGATE_FAULT'] ?? '');

/** Marks a step of the engine; does nothing unless a test named this point. */
export function faultPoint(point: string): void {
  if (spec === null || spec[2] !== point) return;
  if (spec[1] === 'kill') process.kill(process.pid, 'SIGKILL');
  throw Object.assign(new Error(`ENOSPC: no space left on device (injected at ${point})`), { code: 'ENOSPC' });
}
