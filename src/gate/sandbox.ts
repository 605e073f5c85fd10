// The bubblewrap sandbox around rsync: a second wall, so that even if the argv checks were wrong
// rsync could not see anything outside the rule's tree. The tree is bind-mounted from the pinned
// descriptor (read-only for downloads), there is no network, and the rest of the filesystem is just
// what rsync needs to run.

import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { DeniedError } from '../shared/errors.js';
import type { SandboxMode } from '../shared/policy/types.js';

/** Where the tree appears inside the sandbox. */
export const SANDBOX_TREE = '/zonegate/tree';
/** Where a zone-set push's transfer log appears inside the sandbox (a bind of that one file). */
export const SANDBOX_TRANSFER_LOG = '/zonegate/transfer.log';
/** Where a batch checker's generated named.conf appears inside the sandbox. */
export const SANDBOX_BATCH_CONF = '/zonegate/batch.conf';
/** The child fd the pinned root is passed on. */
export const SANDBOX_ROOT_FD = 3;

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Why the sandbox cannot run here, or undefined when it can. */
export function sandboxProblem(bwrapPath: string): string | undefined {
  if (!existsSync(bwrapPath)) return `${bwrapPath} is not installed (apt-get install bubblewrap)`;
  if (process.getuid?.() === 0) return undefined;
  if (readNumber('/proc/sys/user/max_user_namespaces') === 0) return 'user namespaces are disabled (user.max_user_namespaces = 0)';
  if (readNumber('/proc/sys/kernel/unprivileged_userns_clone') === 0)
    return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)';
  if (readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === 1) {
    return 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)';
  }
  return undefined;
}

/** Whether to sandbox this run; throws when the policy requires a sandbox the host cannot give. */
export function shouldSandbox(mode: SandboxMode, bwrapPath: string): boolean {
  if (mode === 'off') return false;
  const problem = sandboxProblem(bwrapPath);
  if (problem === undefined) return true;
  if (mode === 'required') throw new DeniedError('sandbox-unavailable', `the sandbox is required but unavailable: ${problem}`);
  return false;
}

/** bind or symlink the top-level system directories the way the host has them (merged /usr or not). */
function systemMounts(rsyncPath: string): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let stat;
    try {
      stat = lstatSync(top);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else if (stat.isDirectory()) args.push('--ro-bind', top, top);
  }
  if (!rsyncPath.startsWith('/usr/') && !['/bin', '/sbin'].includes(dirname(rsyncPath))) args.push('--ro-bind', rsyncPath, rsyncPath);
  // rsync maps user and group names unless --numeric-ids; nothing else from /etc is visible.
  for (const file of ['/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/ld.so.cache', '/etc/localtime']) {
    args.push('--ro-bind-try', file, file);
  }
  return args;
}

const ROOT_CAPABILITIES = [
  '--cap-drop',
  'ALL',
  ...['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID'].flatMap((cap) => ['--cap-add', cap]),
];

/** Namespaces and a fresh /proc, /dev and /tmp: what every sandboxed program gets. */
function isolation(capabilities: readonly string[]): string[] {
  const isRoot = process.getuid?.() === 0;
  return [
    // As root, a user namespace would unmap every other uid and break -o/-g, so root gets no userns
    // but keeps only the capabilities asked for: no CAP_SYS_ADMIN or CAP_MKNOD to mount or create a
    // block device and reach the host's disks from inside.
    ...(isRoot ? capabilities : ['--unshare-user']),
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    // The fresh /proc, /dev and /tmp first: bwrap mounts in order, so a later bind (an rsync
    // installed under /tmp, say) stays visible on top of them.
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
  ];
}

/** The bwrap argv (without argv0) that runs rsync inside the sandbox. */
export function sandboxArgv(rsyncPath: string, rsyncArgs: readonly string[], writable: boolean, transferLog?: string): string[] {
  return [
    ...isolation(ROOT_CAPABILITIES),
    ...systemMounts(rsyncPath),
    // rsync walks the --log-file path itself (no /proc/self/fd links), so the file is bound in.
    ...(transferLog === undefined ? [] : ['--bind', transferLog, SANDBOX_TRANSFER_LOG]),
    writable ? '--bind-fd' : '--ro-bind-fd',
    String(SANDBOX_ROOT_FD),
    SANDBOX_TREE,
    '--chdir',
    SANDBOX_TREE,
    '--',
    rsyncPath,
    ...rsyncArgs,
  ];
}

/**
 * The bwrap argv (without argv0) that runs a helper, such as the zone checker, on client-supplied
 * files: the directory read-only at SANDBOX_TREE (and `files`, [host path, path inside], read-only),
 * no capabilities, no network.
 */
export function sandboxedHelperArgv(command: readonly string[], dir: string, files: readonly (readonly [string, string])[] = []): string[] {
  const program = command[0] ?? '';
  return [
    ...isolation(['--cap-drop', 'ALL']),
    ...systemMounts(program),
    '--ro-bind',
    dir,
    SANDBOX_TREE,
    // Single files of our own the helper reads (a batch checker's generated config), read-only.
    ...files.flatMap(([host, inside]) => ['--ro-bind', host, inside]),
    '--chdir',
    SANDBOX_TREE,
    '--',
    ...command,
  ];
}
