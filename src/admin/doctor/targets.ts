// `zonegate doctor` on a primary: each target's private key and pinned host key, which the push
// needs before it can connect (BatchMode and StrictHostKeyChecking=yes never prompt), and the
// TSIG key the fleet view signs its queries with.

import { constants as fsConstants, promises as fs, readFileSync, statSync } from 'node:fs';
import { execa } from 'execa';
import type { Target } from '../../shared/policy/types.js';
import type { CheckItem } from './checks.js';
import { parseTsigKeyFile } from '../../shared/dns/tsig.js';

export async function targetItems(target: Target): Promise<CheckItem[]> {
  const title = `target ${target.name} (${target.user}@${target.host}:${String(target.port)})`;
  const problems: CheckItem[] = [];
  const identity = await fs.stat(target.identity).catch(() => undefined);
  if (identity === undefined) {
    problems.push({ status: 'fail', title: `${title}: private key ${target.identity} missing`, fix: `zonegate keygen ${target.name}` });
  } else if ((identity.mode & 0o077) !== 0) {
    // ssh itself refuses such a key ("UNPROTECTED PRIVATE KEY FILE"), and others can copy it.
    problems.push({
      status: 'fail',
      title: `${title}: private key ${target.identity} readable by others`,
      fix: `chmod 600 ${target.identity}`,
    });
  }
  const source = await fs.stat(target.source).catch(() => undefined);
  if (source?.isDirectory() !== true) {
    // A push from a missing tree sends nothing, and with delete=true would try to empty the zone set.
    problems.push({
      status: 'fail',
      title: `${title}: source ${target.source} ${source === undefined ? 'does not exist' : 'is not a directory'}`,
      fix: `create it and put the zone files there, or correct targets.${target.name}.source`,
    });
  }
  const host = target.port === 22 ? target.host : `[${target.host}]:${String(target.port)}`;
  const known = await execa('ssh-keygen', ['-F', host, '-f', target.knownHosts], { reject: false });
  if (known.exitCode !== 0) {
    problems.push({
      status: 'fail',
      title: `${title}: no pinned host key for ${host} in ${target.knownHosts}`,
      detail: 'the push uses StrictHostKeyChecking=yes and fails until the host key is pinned',
      fix: `ssh-keyscan -p ${String(target.port)} ${target.host} >> ${target.knownHosts}, after comparing its fingerprint with the secondary's (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub there)`,
    });
  }
  const tsig = tsigKeyProblem(target);
  if (tsig !== undefined) problems.push({ ...tsig, title: `${title}: ${tsig.title}` });
  return problems.length > 0 ? problems : [{ status: 'ok', title: `${title}: key, pinned host key and source present` }];
}

/** The fleet view's TSIG key file: readable, one hmac-sha256/384/512 key, and not readable by others. */
function tsigKeyProblem(target: Target): CheckItem | undefined {
  const file = target.verify === false ? undefined : target.verify?.tsigKeyFile;
  if (file === undefined) return undefined;
  try {
    parseTsigKeyFile(readFileSync(file, 'utf8'), file);
    if ((statSync(file).mode & 0o077) !== 0)
      return {
        status: 'fail',
        title: `TSIG key ${file} readable by others`,
        detail: 'its secret lets anyone query the view it selects',
        fix: `chmod 600 ${file}`,
      };
  } catch (error) {
    return {
      status: 'fail',
      title: `TSIG key ${file} unusable: ${error instanceof Error ? error.message : String(error)}`,
      detail: '`zonegate status --fleet` cannot ask this target',
      fix: `tsig-keygen NAME > ${file} (the secondary's view needs the same key), or correct targets.${target.name}.verify.tsigKeyFile`,
    };
  }
  return undefined;
}

/** With push.mailTo set, failures are mailed through sendmail: it must exist, or the mail is lost. */
export async function sendmailItem(mailTo: string | undefined, sendmail: string): Promise<CheckItem | undefined> {
  if (mailTo === undefined) return undefined;
  const ok = await fs.access(sendmail, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
  return ok
    ? { status: 'ok', title: `sendmail at ${sendmail} (push.mailTo ${mailTo})` }
    : {
        status: 'fail',
        title: `sendmail ${sendmail} missing`,
        detail: `push.mailTo is ${mailTo}, so failures would be mailed through it and the mail lost`,
        fix: 'apt-get install an MTA (e.g. exim4-daemon-light or msmtp-mta), or set push.sendmail',
      };
}

/** The failure hook must be runnable, or a failed push alerts nobody through it. */
export async function hookItem(hook: readonly string[]): Promise<CheckItem | undefined> {
  const program = hook[0];
  if (program === undefined) return undefined;
  const ok = await fs.access(program, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
  return ok
    ? { status: 'ok', title: `push.hook ${program} is executable` }
    : {
        status: 'fail',
        title: `push.hook ${program} is missing or not executable`,
        detail: 'it runs on every failed push; without it a failure alerts nobody through the hook',
        fix: `install it, chmod +x ${program}, or remove push.hook`,
      };
}
