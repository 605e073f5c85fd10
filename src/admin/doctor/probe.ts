// Gathers the facts `zonegate doctor` judges: runs programs with execa, reads files and modes.
// About 250 lines: one gathering step per doctor line, in the order doctor prints them; the judging
// is elsewhere (checks.ts, sshd.ts, targets.ts).

import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { loadPolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/types.js';
import { isGateError } from '../../shared/errors.js';
import { renderAuthorizedKeysLines, type GateCommand } from '../keys/authorized-keys-line.js';
import { checkAuthorizedKeys } from '../keys/authorized-keys-install.js';
import * as judge from './checks.js';
import type { CheckItem } from './checks.js';
import { hookItem, sendmailItem, targetItems } from './targets.js';
import { connectItem } from './connect.js';
import { gateStateItems } from './gate-state.js';
import { PRLIMIT } from '../../zoneset/servers/check-each.js';
import { zoneServerItems } from './zone-servers.js';
import { LDNS_VERIFY_ZONE } from '../../zoneset/dnssec-verify-zone.js';
import { authorizedKeysFile, judgeLockedAccount, judgePermitRootLogin, parseSshdT, strictModesDirectories } from './sshd.js';
import { pushSettings } from '../push/settings.js';

export interface DoctorOptions {
  config: string;
  user: string;
  authorizedKeys?: string;
  command: Omit<GateCommand, 'config'>;
  /** Also ask each target's gate `zonegate-hello` over ssh (connect.ts). */
  connect?: boolean;
}

interface Account {
  user: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const exists = (path: string): Promise<boolean> =>
  fs.access(path).then(
    () => true,
    () => false,
  );

/** The program's path when it is there, for judge.judgeProgram. */
const installed = async (program: string): Promise<string | undefined> => ((await exists(program)) ? program : undefined);

async function which(name: string): Promise<string | undefined> {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (
      await fs.access(`${dir}/${name}`, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return `${dir}/${name}`;
  }
  return undefined;
}

async function account(user: string): Promise<Account | undefined> {
  const result = await execa('getent', ['passwd', user], { reject: false });
  const fields = result.exitCode === 0 ? result.stdout.trim().split(':') : [];
  if (fields.length < 7) return undefined;
  return { user, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/', shell: fields[6] ?? '' };
}

/** Runs bwrap for real, as the login account when we are root: that is where the gate runs it. */
async function sandboxProblem(bwrap: string, who: Account | undefined): Promise<string | undefined> {
  if (!(await exists(bwrap))) return `${bwrap} is not installed`;
  const probe = [bwrap, '--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '/bin/true'];
  const asUser = who !== undefined && process.getuid?.() === 0 && who.uid !== 0;
  const argv = asUser ? ['setpriv', `--reuid=${String(who.uid)}`, `--regid=${String(who.gid)}`, '--clear-groups', ...probe] : probe;
  const result = await execa(argv[0] ?? bwrap, argv.slice(1), { reject: false, timeout: 10_000 });
  return result.exitCode === 0
    ? undefined
    : `bwrap failed${asUser ? ` as ${who.user}` : ''}: ${result.stderr.trim() || `exit ${String(result.exitCode)}`}`;
}

async function authorizedKeysItems(policy: Policy, options: DoctorOptions, who: Account, sshd: Map<string, string>): Promise<CheckItem[]> {
  const file = options.authorizedKeys ?? authorizedKeysFile(sshd, who.user, who.home);
  const stats = [];
  // StrictModes walks the real path, every directory up to the home (or to / outside it).
  const real = await fs.realpath(file).catch(() => file);
  const home = await fs.realpath(who.home).catch(() => who.home);
  for (const path of [real, ...strictModesDirectories(real, home)]) {
    const stat = await fs.stat(path).catch(() => undefined);
    if (stat === undefined)
      return [
        {
          status: 'fail',
          title: `authorized_keys ${file}`,
          detail: `${path} does not exist`,
          fix: `zonegate authorized-keys --install ${file} --create`,
        },
      ];
    stats.push({ path, mode: stat.mode, uid: stat.uid, allowedUids: [0, who.uid] });
  }
  const items = [judge.judgeStrictModes(stats)];
  const own = stats[0];
  const readable =
    who.uid === 0 ||
    own === undefined ||
    (own.uid === who.uid ? (own.mode & 0o400) !== 0 : (own.mode & 0o004) !== 0 || (own.mode & 0o040) !== 0);
  if (!readable) {
    items.push({
      status: 'fail',
      title: `${file} not readable by ${who.user}`,
      detail: 'sshd reads it as the account, so no key works',
      fix: `chown ${who.user} ${file}; chmod 600 ${file}`,
    });
  }
  const lines = renderAuthorizedKeysLines(policy.keys.values(), { ...options.command, config: options.config });
  const check = await checkAuthorizedKeys(file, lines, policy.keys.values());
  if (check.drift.missing.length + check.drift.unexpected.length > 0 || !check.drift.blockFound) {
    const detail = check.drift.blockFound
      ? `${String(check.drift.missing.length)} line(s) missing or changed, ${String(check.drift.unexpected.length)} unexpected`
      : 'no zonegate block';
    items.push({
      status: 'fail',
      title: `authorized_keys ${file} differs from the config`,
      detail,
      fix: `zonegate authorized-keys --config ${options.config} --install ${file}`,
    });
  } else {
    items.push({ status: 'ok', title: `authorized_keys ${file} matches the config (restrict, from=, command=)` });
  }
  for (const duplicate of check.duplicates) {
    items.push({
      status: 'fail',
      title: `${file}:${String(duplicate.line)} holds keys.${duplicate.key} outside the zonegate block`,
      detail: duplicate.wins ? 'sshd uses it instead of the restricted line' : 'unused today, wins if the block goes',
      fix: 'delete that line',
    });
  }
  for (const target of policy?.targets.values() ?? []) items.push(...(await targetItems(target)));
  return items;
}

async function logItem(policy: Policy, who: Account): Promise<CheckItem> {
  const dir = dirname(policy.gate.log);
  const stat = await fs.stat(dir).catch(() => undefined);
  const fix = `install -d -o ${who.user} -m 750 ${dir}`;
  if (stat === undefined)
    return {
      status: 'fail',
      title: `log directory ${dir}`,
      detail: 'does not exist; the gate refuses every request when it cannot log',
      fix,
    };
  const writable =
    stat.uid === who.uid ? (stat.mode & 0o200) !== 0 : stat.gid === who.gid ? (stat.mode & 0o020) !== 0 : (stat.mode & 0o002) !== 0;
  if (who.uid === 0 || writable) return { status: 'ok', title: `log directory ${dir} writable by ${who.user}` };
  return {
    status: 'fail',
    title: `log directory ${dir} not writable by ${who.user}`,
    detail: 'the gate refuses every request when it cannot log',
    fix,
  };
}

export async function runDoctor(options: DoctorOptions): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  let policy: Policy | undefined;
  try {
    policy = loadPolicy(options.config);
    items.push({
      status: 'ok',
      title: `config ${options.config} valid`,
      detail: `${String(policy.keys.size)} key(s), ${String(policy.targets.size)} target(s)`,
    });
  } catch (error) {
    if (!isGateError(error)) throw error;
    items.push({
      status: 'fail',
      title: `config ${options.config}`,
      detail: error.message,
      fix: `fix the file, or start from: zonegate init --role secondary --config ${options.config}`,
    });
  }
  const rsync = policy?.gate.rsync ?? (await which('rsync')) ?? '/usr/bin/rsync';
  const version = await execa(rsync, ['--version'], { reject: false });
  items.push(judge.judgeRsync(rsync, version.exitCode === 0 ? version.stdout : undefined));
  const secondary = policy !== undefined && policy.keys.size > 0;
  const primary = policy !== undefined && policy.targets.size > 0;
  // Zone sets name their checker and reload programs by absolute path: those must exist.
  const zoneSetRules =
    policy === undefined
      ? []
      : [...policy.keys.values()].flatMap((key) =>
          key.rules.flatMap((rule) => (rule.zoneSet ? [{ ...rule.zoneSet, root: rule.root }] : [])),
        );
  for (const zoneSet of zoneSetRules) {
    // The admin's own list of what this secondary serves for the set: shown, so a typo is seen.
    items.push({ status: 'ok', title: `zone set ${zoneSet.name} may hold: ${zoneSet.zones.join(' ')}` });
  }
  items.push(...(await zoneServerItems(zoneSetRules, exists)));
  // Without it every signed zone is refused (exit 94); unsigned zones never run it.
  if (zoneSetRules.length > 0)
    items.push(
      judge.judgeProgram(LDNS_VERIFY_ZONE, await installed(LDNS_VERIFY_ZONE), true, 'ldnsutils', 'signed zones are verified with it'),
    );
  if (zoneSetRules.length > 0)
    items.push(judge.judgeProgram(PRLIMIT, await installed(PRLIMIT), true, 'util-linux', 'zone checkers run under its rlimits'));
  if (zoneSetRules.length > 0)
    items.push(judge.judgeProgram('flock', await which('flock'), true, 'util-linux', 'pushes to a zone set take its lock with flock(1)'));
  items.push(judge.judgeProgram('ssh', await which('ssh'), primary, 'openssh-client', 'this host pushes to targets'));
  items.push(judge.judgeProgram('flock', await which('flock'), primary, 'util-linux', 'the push job locks against overlapping runs'));
  // The login account matters where keys log in (a secondary): sshd runs the gate through its shell.
  const who = secondary || policy === undefined ? await account(options.user) : undefined;
  if (who === undefined && (secondary || policy === undefined)) {
    items.push({
      status: 'fail',
      title: `account ${options.user}`,
      detail: 'no such user',
      fix: 'pass --user with the account whose authorized_keys holds the keys',
    });
  } else if (who !== undefined) {
    const rcFiles = [];
    for (const file of judge.rcFilesFor(who.shell, who.home)) if (await exists(file)) rcFiles.push(file);
    items.push(judge.judgeAccount({ user: who.user, shell: who.shell, home: who.home, rcFiles }));
    items.push(judge.judgeSystemRc(await exists('/etc/ssh/sshrc')));
  }
  if (policy !== undefined && secondary && who !== undefined) {
    const sshdT = await execa('sshd', ['-T'], { reject: false, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const sshd = parseSshdT(sshdT.exitCode === 0 ? sshdT.stdout : undefined);
    const rootLogin = judgePermitRootLogin(sshd, who.user);
    if (rootLogin !== undefined) items.push(rootLogin);
    const shadow = await execa('getent', ['shadow', who.user], { reject: false });
    const locked = judgeLockedAccount(sshd, who.user, shadow.exitCode === 0 ? shadow.stdout.split(':')[1] : undefined);
    if (locked !== undefined) items.push(locked);
    items.push(
      ...(await authorizedKeysItems(policy, options, who, sshd).catch((error: unknown) => {
        if (!isGateError(error)) throw error;
        return [{ status: 'fail', title: 'authorized_keys', detail: error.message } satisfies CheckItem];
      })),
    );
    items.push(judge.judgeSandbox(policy.gate.sandbox, await sandboxProblem(policy.gate.bwrap, who)));
    items.push(judge.judgeSshdEnvironment(sshdT.exitCode === 0 ? sshdT.stdout : undefined));
    items.push(await logItem(policy, who));
    items.push(...(await gateStateItems(policy, who)));
  }
  for (const target of policy?.targets.values() ?? []) items.push(...(await targetItems(target)));
  if (options.connect === true) for (const target of policy?.targets.values() ?? []) items.push(await connectItem(target));
  if (policy !== undefined && primary) {
    const settings = pushSettings(policy, {});
    const checker = settings.checker[0];
    const validating = [...policy.targets.values()].filter((target) => target.zoneFile !== undefined).map((target) => target.name);
    if (checker !== undefined && validating.length > 0)
      items.push(
        judge.judgeProgram(
          checker,
          await installed(checker),
          true,
          'bind9-utils',
          `targets ${validating.join(', ')} validate zones with it before sending`,
        ),
      );
    if (validating.length > 0)
      items.push(
        judge.judgeProgram(
          LDNS_VERIFY_ZONE,
          await installed(LDNS_VERIFY_ZONE),
          true,
          'ldnsutils',
          `targets ${validating.join(', ')} verify signed zones with it before sending`,
        ),
      );
    const mail = await sendmailItem(settings.mailTo, settings.sendmail);
    if (mail !== undefined) items.push(mail);
    const hook = await hookItem(settings.hook);
    if (hook !== undefined) items.push(hook);
  }
  return items;
}
