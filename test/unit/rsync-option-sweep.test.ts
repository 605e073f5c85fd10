// The option model, derived from the real client: every option of the installed `rsync --help` is
// judged in src/gate/rsync-client-options.ts, and every line the client sent for it in the sweep
// (test/fixtures/rsync-option-sweep.json, scripts/sweep-rsync-options.ts) gets exactly that verdict.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLIENT_OPTIONS } from '../../src/gate/rsync-client-options.js';
import { DEBUG_WORDS, INFO_WORDS } from '../../src/gate/rsync-flag-words.js';
import { parseFlagWords, parseHelpOptions } from '../../scripts/lib/rsync-help.js';
import { requireProgram } from '../helpers/gate.js';
import { readSweep, sweepVerdict } from '../helpers/option-sweep.js';

requireProgram('rsync', 'rsync');
const rsyncText = (arg: string): string => spawnSync('rsync', [arg], { encoding: 'utf8' }).stdout;
const installed = parseHelpOptions(rsyncText('--help')).map((option) => option.name);
const sweep = readSweep();

describe('the option table judges every option of the installed rsync', () => {
  it('has a row for each option of rsync --help, and none for an option it lacks', () => {
    expect(installed.length).toBeGreaterThan(100);
    expect(installed.filter((name) => !CLIENT_OPTIONS.has(name))).toEqual([]);
    expect([...CLIENT_OPTIONS.keys()].filter((name) => !installed.includes(name))).toEqual([]);
  });

  it('was swept from this rsync: the fixture covers the same options (else run npm run sweep:rsync-options)', () => {
    expect([...new Set(sweep.lines.map((line) => line.option))]).toEqual(installed);
  });

  it('knows the --info and --debug words and levels rsync lists', () => {
    expect(parseFlagWords(rsyncText('--info=help'))).toEqual([...INFO_WORDS].map(([word, max]) => ({ word, max })));
    expect(parseFlagWords(rsyncText('--debug=help'))).toEqual([...DEBUG_WORDS].map(([word, max]) => ({ word, max })));
  });
});

describe('every line the client sent gets the table’s verdict', () => {
  it.each(sweep.lines.map((line) => [`${line.direction} rsync ${line.argv.join(' ')}`, line] as const))('%s', (_name, line) => {
    const row = CLIENT_OPTIONS.get(line.option);
    if (row === undefined) throw new Error(`no row for ${line.option}`);
    expect({ command: line.command, verdict: sweepVerdict(line.command) }).toEqual({ command: line.command, verdict: row[line.direction] });
  });

  it.each([...CLIENT_OPTIONS].map(([name, row]) => [name, row] as const))('%s: "sent" matches what the client sent', (name, row) => {
    const lines = sweep.lines.filter((line) => line.option === name && line.command !== null);
    const differs = lines.some((line) => line.command !== sweep.baseline[line.direction]);
    if (lines.length > 0) expect(differs).toBe(row.sent);
  });
});
