// `zonegate doctor` for the DNS server behind each zone set (bind, nsd, knot): its checker and
// control program exist, and the control channel answers (`rndc status`, `nsd-control status`,
// `knotc status`; for BIND also the way the gate sends rndc commands itself), so the first push
// does not find out that every reload fails.

import { execa } from 'execa';
import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { serverAdapter } from '../../zoneset/servers/adapters.js';
import { zoneListPath } from '../../zoneset/servers/zone-list.js';
import { layoutOf } from '../../zoneset/layout.js';
import { judgeProgram, type CheckItem } from './checks.js';
import { nativeControlItem } from './native-control.js';

export interface ControlFacts {
  zoneSet: string;
  server: ZoneSetSettings['server'];
  argv: readonly string[];
  /** Exit code of the status command; undefined when it could not be run at all. */
  exitCode: number | undefined;
  output: string;
}

/** Pure: whether the server answered on its control channel. */
export function judgeControlChannel(facts: ControlFacts): CheckItem {
  const command = facts.argv.join(' ');
  if (facts.exitCode === 0) return { status: 'ok', title: `zone set ${facts.zoneSet}: ${facts.server} answers (${command})` };
  const said = facts.output.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return {
    status: 'fail',
    title: `zone set ${facts.zoneSet}: ${facts.server} does not answer on its control channel`,
    detail: `${command} ${facts.exitCode === undefined ? 'could not run' : `exited ${String(facts.exitCode)}`}${said === '' ? '' : `: ${said}`}; every push would fail its reload and be rolled back`,
    fix: `start ${facts.server}, or point zoneSet.control at its control channel`,
  };
}

/** The programs each zone set's server needs, then one control-channel probe per distinct control command. */
export async function zoneServerItems(
  zoneSets: readonly (ZoneSetSettings & { root: string })[],
  exists: (path: string) => Promise<boolean>,
): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const programs = new Map<string, { pkg: string; why: string }>();
  const named = new Set<string>();
  for (const zoneSet of zoneSets) {
    // A zone set that several keys may push to appears once per rule.
    if (named.has(zoneSet.name)) continue;
    named.add(zoneSet.name);
    const adapter = serverAdapter(zoneSet.server);
    items.push({
      status: 'ok',
      title: `zone set ${zoneSet.name}: served by ${zoneSet.server}; its config must read ${zoneListPath(layoutOf(zoneSet.root), zoneSet.server)}`,
      detail: adapter.includeLine(zoneListPath(layoutOf(zoneSet.root), zoneSet.server)),
    });
    if (zoneSet.checker[0] !== undefined)
      programs.set(zoneSet.checker[0], { pkg: adapter.packages.checker, why: `zone set ${zoneSet.name} validates zones with it` });
    if (zoneSet.control[0] !== undefined)
      programs.set(zoneSet.control[0], { pkg: adapter.packages.control, why: `zone set ${zoneSet.name} reloads zones with it` });
  }
  const found = new Set<string>();
  for (const [program, need] of programs) {
    const present = await exists(program);
    if (present) found.add(program);
    items.push(judgeProgram(program, present ? program : undefined, true, need.pkg, need.why));
  }
  const probed = new Set<string>();
  for (const zoneSet of zoneSets) {
    const program = zoneSet.control[0];
    if (program === undefined || !found.has(program)) continue;
    const argv = [...zoneSet.control, ...serverAdapter(zoneSet.server).statusArgs];
    if (probed.has(argv.join('\0'))) continue;
    probed.add(argv.join('\0'));
    const result = await execa(program, argv.slice(1), { reject: false, timeout: 10_000, all: true });
    items.push(
      judgeControlChannel({
        zoneSet: zoneSet.name,
        server: zoneSet.server,
        argv,
        exitCode: result.failed && result.exitCode === undefined ? undefined : result.exitCode,
        output: result.all,
      }),
    );
    if (zoneSet.server === 'bind') items.push(await nativeControlItem(zoneSet));
  }
  return items;
}
