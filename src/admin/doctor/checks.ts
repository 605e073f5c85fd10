// `zonegate doctor`'s judgements (pure): facts about the host in, one checklist item out, each
// with the fix when something is wrong. doctor-probe.ts gathers the facts.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckItem {
  status: CheckStatus;
  title: string;
  detail?: string;
  fix?: string;
}

const item = (status: CheckStatus, title: string, detail?: string, fix?: string): CheckItem => ({
  status,
  title,
  ...(detail === undefined ? {} : { detail }),
  ...(fix === undefined ? {} : { fix }),
});

/** rsync before 3.4.0 has CVE-2024-12084..12088 and CVE-2024-12747, reachable from either end. */
export function judgeRsync(path: string, versionOutput: string | undefined): CheckItem {
  if (versionOutput === undefined) return item('fail', `rsync at ${path}`, 'not found or not runnable', 'apt-get install rsync');
  const match = /rsync\s+version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(versionOutput);
  if (!match) return item('warn', `rsync at ${path}`, 'could not read its version', `run ${path} --version`);
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const version = `${String(major)}.${String(minor)}.${String(patch)}`;
  if (major < 3 || (major === 3 && minor < 4)) {
    return item(
      'warn',
      `rsync ${version} at ${path}`,
      'below 3.4: known CVEs (CVE-2024-12084 heap overflow, CVE-2024-12085 info leak, …) hit both the client and the server end, unless your distribution backported the fixes',
      'upgrade rsync to 3.4 or later, or check that your distribution backported the fixes (apt changelog rsync | grep CVE-2024-12084)',
    );
  }
  return item('ok', `rsync ${version} at ${path}`);
}

export function judgeProgram(name: string, path: string | undefined, needed: boolean, pkg: string, why: string): CheckItem {
  if (path !== undefined) return item('ok', `${name} at ${path}`);
  if (!needed) return item('skip', name, `not needed here (${why})`);
  return item('fail', name, `not found; needed because ${why}`, `apt-get install ${pkg}`);
}

export interface AccountFacts {
  user: string;
  shell: string;
  home: string;
  /** rc files that exist and the shell (or sshd) would read before the forced command. */
  rcFiles: string[];
}

/** The files each shell reads for `SHELL -c COMMAND`, which is how sshd runs the forced command. */
export function rcFilesFor(shell: string, home: string): string[] {
  const name = shell.split('/').at(-1) ?? '';
  // Debian's bash is built with SSH_SOURCE_BASHRC: started by sshd it reads these even with -c.
  if (name === 'bash') return ['/etc/bash.bashrc', `${home}/.bashrc`];
  if (name === 'zsh') return ['/etc/zsh/zshenv', `${home}/.zshenv`];
  return [];
}

export function judgeAccount(facts: AccountFacts): CheckItem {
  const name = facts.shell.split('/').at(-1) ?? '';
  const title = `login shell of ${facts.user}: ${facts.shell}`;
  if (name === 'nologin' || name === 'false') {
    return item(
      'fail',
      title,
      'sshd runs the forced command as `SHELL -c COMMAND`, so this shell refuses the gate too',
      `usermod -s /bin/sh ${facts.user}`,
    );
  }
  if (facts.rcFiles.length > 0) {
    return item(
      'warn',
      title,
      `it reads ${facts.rcFiles.join(', ')} before the forced command runs: whoever can edit them runs code on every push, and any output corrupts the rsync protocol`,
      `usermod -s /bin/sh ${facts.user} (dash reads no rc file for sh -c), or empty those files`,
    );
  }
  return item('ok', title, rcFilesFor(facts.shell, facts.home).length === 0 ? 'reads no rc files for -c' : 'its rc files are absent');
}

export function judgeSystemRc(exists: boolean): CheckItem {
  if (!exists) return item('ok', '/etc/ssh/sshrc absent');
  return item(
    'warn',
    '/etc/ssh/sshrc exists',
    'sshd runs it on every login; no-user-rc only switches off ~/.ssh/rc',
    'remove it, or make sure it prints nothing and cannot fail',
  );
}

export interface FileModeFacts {
  path: string;
  mode: number;
  uid: number;
  allowedUids: number[];
}

/** sshd's StrictModes: the file and every directory above it writable only by its owner or root. */
export function judgeStrictModes(facts: FileModeFacts[]): CheckItem {
  const bad = facts.filter((f) => (f.mode & 0o022) !== 0 || !f.allowedUids.includes(f.uid));
  if (bad.length === 0)
    return item('ok', 'authorized_keys permissions', facts.map((f) => `${f.path} ${(f.mode & 0o777).toString(8)}`).join(', '));
  return item(
    'fail',
    'authorized_keys permissions',
    `${bad.map((f) => `${f.path} (mode ${(f.mode & 0o777).toString(8)}, uid ${String(f.uid)})`).join(', ')}: writable by others or owned by someone else; anyone who can write there can add a key (and sshd's StrictModes refuses the file)`,
    `chmod go-w ${bad.map((f) => f.path).join(' ')}; chown the account's own files to it`,
  );
}

export function judgeSandbox(mode: string, problem: string | undefined): CheckItem {
  if (mode === 'off')
    return item(
      'warn',
      'sandbox: off in the config',
      'rsync runs unconfined if the gate’s checks were ever wrong',
      'set gate.sandbox to "auto" or "required"',
    );
  if (problem === undefined) return item('ok', `sandbox available (gate.sandbox = ${mode})`);
  if (mode === 'required')
    return item('fail', 'sandbox required but unavailable', problem, 'apt-get install bubblewrap, and allow unprivileged user namespaces');
  return item(
    'warn',
    'sandbox unavailable: the gate runs rsync without it',
    problem,
    'apt-get install bubblewrap, and allow unprivileged user namespaces',
  );
}

const MARK: Record<CheckStatus, string> = { ok: '[ ok ]', warn: '[WARN]', fail: '[FAIL]', skip: '[skip]' };

export function renderChecklist(items: readonly CheckItem[]): string {
  const lines = items.flatMap((entry) => [
    `${MARK[entry.status]} ${entry.title}`,
    ...(entry.detail === undefined ? [] : [`       ${entry.detail}`]),
    ...(entry.fix === undefined ? [] : [`       fix: ${entry.fix}`]),
  ]);
  const counts = (status: CheckStatus): number => items.filter((entry) => entry.status === status).length;
  lines.push('', `${String(counts('fail'))} problem(s), ${String(counts('warn'))} warning(s)`);
  return `${lines.join('\n')}\n`;
}

/**
 * sshd passes client-chosen environment variables through AcceptEnv and PermitUserEnvironment,
 * before the forced command starts: NODE_OPTIONS=--require … would run code inside node before the
 * gate's first line. Judged from `sshd -T` output (lower-case keywords, one per line).
 */
export function judgeSshdEnvironment(sshdT: string | undefined): CheckItem {
  const title = 'sshd passes no client environment to node';
  if (sshdT === undefined)
    return item('warn', title, 'could not run `sshd -T` to read the effective sshd configuration', 'run doctor as root on the secondary');
  const lines = sshdT.split('\n').map((line) => line.trim());
  const permit = lines.find((line) => line.startsWith('permituserenvironment '))?.split(/\s+/)[1] ?? 'no';
  if (permit !== 'no') {
    return item(
      'fail',
      title,
      `PermitUserEnvironment ${permit}: ~/.ssh/environment or environment= could set NODE_OPTIONS`,
      'set PermitUserEnvironment no in sshd_config',
    );
  }
  const accepted = lines.filter((line) => line.startsWith('acceptenv ')).flatMap((line) => line.split(/\s+/).slice(1));
  // sshd patterns: * and ? wildcards.
  const dangerous = accepted.filter((pattern) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test('NODE_OPTIONS'),
  );
  if (dangerous.length > 0) {
    return item(
      'fail',
      title,
      `AcceptEnv ${dangerous.join(' ')} lets a client set NODE_OPTIONS`,
      'narrow AcceptEnv (the Debian default LANG LC_* is safe)',
    );
  }
  return item('ok', title, accepted.length > 0 ? `AcceptEnv ${accepted.join(' ')}` : 'AcceptEnv empty');
}
