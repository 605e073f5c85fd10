// BIND's batch checker, the pure half: which named-checkzone argv can be mirrored by one
// `named-checkconf -z` over a generated config, that config, and reading its output back zone by
// zone. One process per batch instead of one per zone is what makes thousands of changed zones
// cheap (issue 15: 2,000 zones, 20.5 s one by one, 0.63 s in one process).

import { basename, dirname, join } from 'node:path';

/** How a batch mirrors a named-checkzone argv: the checkconf binary and the zone options. */
export interface BatchChecker {
  checkconf: string;
  /** named.conf zone options equal, one for one, to the checkzone flags. */
  zoneOptions: string[];
  /** `-n fail`: named.conf has no option for it, so its warning line fails the zone here. */
  nsAddressFatal: boolean;
}

const MODES = new Set(['fail', 'warn', 'ignore']);

/** named-checkzone flag → the named.conf option that sets the same zone option bits. */
const MODE_OPTIONS: Record<string, string> = {
  '-k': 'check-names',
  '-m': 'check-mx',
  '-M': 'check-mx-cname',
  '-S': 'check-srv-cname',
  '-r': 'check-dup-records',
};

/**
 * `-i`: named-checkconf -z never looks names up (it clears checkzone's MX/SRV/NS lookups), which is
 * checkzone's "local"; the "full" modes do lookups, so they cannot be mirrored.
 */
const INTEGRITY: Record<string, string[]> = {
  local: ['check-integrity yes', 'check-sibling no'],
  'local-sibling': ['check-integrity yes', 'check-sibling yes'],
  none: ['check-integrity no'],
};

/**
 * The batch form of a named-checkzone argv, or undefined when any word is not understood (then
 * every zone is checked on its own, as the argv says). Flags left out get named-checkzone's own
 * defaults written out, because named-checkconf's differ (check-names fails on a primary there).
 */
export function mirrorCheckzone(checker: readonly string[]): BatchChecker | undefined {
  const [program, ...args] = checker;
  if (program === undefined || basename(program) !== 'named-checkzone' || args.length % 2 !== 0) return undefined;
  const modes: Record<string, string> = { '-k': 'warn', '-m': 'warn', '-M': 'warn', '-S': 'warn', '-r': 'warn', '-n': 'warn' };
  let integrity: string | undefined;
  for (let at = 0; at < args.length; at += 2) {
    const flag = args[at] ?? '';
    const value = args[at + 1] ?? '';
    if (flag === '-i' && INTEGRITY[value] !== undefined) integrity = value;
    else if (flag in modes && MODES.has(value)) modes[flag] = value;
    else return undefined;
  }
  // Without -i, named-checkzone's default is "full": lookups a batch does not do.
  if (integrity === undefined) return undefined;
  const zoneOptions = [
    ...Object.entries(MODE_OPTIONS).map(([flag, option]) => `${option} ${modes[flag] ?? 'warn'}`),
    ...(INTEGRITY[integrity] ?? []),
  ];
  return { checkconf: join(dirname(program), 'named-checkconf'), zoneOptions, nsAddressFatal: modes['-n'] === 'fail' };
}

/** One zone of a batch. */
export interface BatchEntry {
  zone: string;
  file: string;
}

// Zone names as diff.ts accepts them, and file names of a plain word: nothing named.conf would need
// quoted or escaped. Anything else is hostile or odd, and is checked on its own (argv, no config).
const SAFE_ZONE = /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/;
const SAFE_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}$/;

export function batchable(entry: BatchEntry): boolean {
  return SAFE_ZONE.test(entry.zone) && !entry.zone.includes('..') && SAFE_FILE.test(entry.file);
}

/** A named.conf string; the directory comes from the secondary's own config, still escaped. */
function quoted(text: string): string {
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error(`a control character in ${JSON.stringify(text)}`);
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The generated named.conf: every zone a primary zone from its file, with the mirrored options. */
export function renderBatchConf(dir: string, entries: readonly BatchEntry[], checker: BatchChecker): string {
  const options = checker.zoneOptions.map((option) => ` ${option};`).join('');
  const lines = [`options { directory ${quoted(dir)}; };`];
  for (const entry of entries) {
    if (!batchable(entry)) throw new Error(`zone ${JSON.stringify(entry.zone)} cannot be batched`);
    lines.push(`zone "${entry.zone}" { type primary; file "${entry.file}";${options} };`);
  }
  return lines.join('\n') + '\n';
}

/** What the batch said about one zone: its serial when it loaded clean, and its own lines. */
export interface BatchVerdict {
  serial: number | undefined;
  failed: boolean;
  lines: string[];
}

/**
 * Reads named-checkconf -z output back per zone: `zone NAME/IN: …` and `VIEW/NAME/IN: …` lines by
 * name, `FILE:LINE: …` lines by file. A zone is clean only when it printed its loaded serial and
 * nothing fatal was attributed to it; everything else is a suspect the caller re-checks alone.
 */
export function readBatchOutput(output: string, entries: readonly BatchEntry[], checker: BatchChecker): Map<string, BatchVerdict> {
  const verdicts = new Map<string, BatchVerdict>(entries.map((entry) => [entry.zone, { serial: undefined, failed: false, lines: [] }]));
  const byFile = new Map(entries.map((entry) => [entry.file, entry.zone]));
  for (const line of output.split('\n')) {
    const named = /^(?:zone |[^/\s]+\/)([a-z0-9_.-]+)\/IN: (.*)$/.exec(line);
    const filed = /^([^:\s]+):\d+: (.*)$/.exec(line);
    const zone = named ? named[1] : filed ? byFile.get(filed[1] ?? '') : undefined;
    const verdict = zone === undefined ? undefined : verdicts.get(zone);
    if (verdict === undefined) continue;
    verdict.lines.push(line);
    const loaded = named ? /^loaded serial (\d{1,10})$/.exec(named[2] ?? '') : null;
    // Twice: a zone's text echoed in another's message posing as a result; trust neither.
    if (loaded) verdict.failed ||= verdict.serial !== undefined;
    if (loaded) verdict.serial = Number(loaded[1]);
    else if (named && /failed|not loaded|error|bad zone/i.test(named[2] ?? '')) verdict.failed = true;
    else if (filed && checker.nsAddressFatal && /NS record '.*' appears to be an address/.test(filed[2] ?? '')) verdict.failed = true;
  }
  for (const verdict of verdicts.values()) if (verdict.serial === undefined || verdict.serial > 0xffff_ffff) verdict.failed = true;
  return verdicts;
}
