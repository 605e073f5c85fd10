// `zonegate init --role secondary`, after the config: everything the host needs before the first
// push, so that the DNS server (named, NSD or Knot) starts with the zone list included in its
// config and the gate can log its first decision. Each step is idempotent: a second run changes nothing that is already right.

import { chownSync, existsSync, lchownSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.js';
import { SAFE_PATH_PATTERN, type Policy } from '../../shared/policy/types.js';
import { ensureLayout, treeDir } from '../../zoneset/layout.js';
import { serverAdapter } from '../../zoneset/servers/adapters.js';
import { renderZoneList, zoneListPath } from '../../zoneset/servers/zone-list.js';
import { renderTemplate, Verbatim } from '../jobs/templates.js';
import { zoneSets } from '../zonesets/zoneset-admin.js';
import type { Account } from './account.js';

export interface PrepareOptions {
  policy: Policy;
  /** The login account the gate runs as; it must write the log and the zone sets. */
  account: Account;
  /** Where to write the logrotate file; undefined: do not write one. */
  logrotate: string | undefined;
}

const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Where each server's include line goes. */
const CONFIG_FILE = {
  bind: 'named.conf, inside the view (or at the top level without views)',
  nsd: 'nsd.conf, at the top level',
  knot: 'knot.conf, at the top level',
} as const;

/** Prepares the log directory, the logrotate file and every zone set; returns one line per thing done. */
export function prepareSecondary(options: PrepareOptions): string[] {
  const { policy, account } = options;
  const done: string[] = [];
  const logDir = dirname(policy.gate.log);
  if (!existsSync(logDir)) {
    mkdirSync(logDir, { recursive: true, mode: 0o750 });
    done.push(`created ${logDir}`);
  }
  chownSync(logDir, account.uid, account.gid);
  if (options.logrotate !== undefined) {
    writeFileAtomic(options.logrotate, renderLogrotate(policy.gate.log, account));
    done.push(`wrote ${options.logrotate} (rotates ${policy.gate.log})`);
  }
  for (const { settings, layout } of zoneSets(policy).values()) {
    const fresh = !existsSync(layout.root);
    mkdirSync(layout.root, { recursive: true, mode: 0o755 });
    ensureLayout(layout);
    // The server reads this zone list at start; before the first push it lists no zones.
    const list = zoneListPath(layout, settings.server);
    if (!existsSync(list)) writeFileAtomic(list, renderZoneList(layout, settings, []));
    for (const path of [layout.root, layout.trees, treeDir(layout, 'a'), treeDir(layout, 'b'), layout.releases, layout.trash, layout.meta])
      chownSync(path, account.uid, account.gid);
    lchownSync(layout.current, account.uid, account.gid);
    chownSync(list, account.uid, account.gid);
    done.push(`${fresh ? 'created' : 'checked'} zone set ${settings.name} in ${layout.root} (include ${list})`);
    done.push(`  add to ${CONFIG_FILE[settings.server]}: ${serverAdapter(settings.server).includeLine(list)}`);
  }
  return done;
}

export function renderLogrotate(log: string, account: Account): string {
  return renderTemplate('logrotate.tmpl', {
    log: Verbatim.checked(log, SAFE_PATH_PATTERN, 'gate.log', 'an absolute path of safe characters'),
    owner: Verbatim.checked(account.user, NAME, '--user', 'an account name'),
    group: Verbatim.checked(account.group, NAME, '--user', 'an account whose group is a plain name'),
  });
}
