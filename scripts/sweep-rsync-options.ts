// Sweeps every option of the installed `rsync --help` through the real rsync client, once as a push
// and once as a pull, and writes the command line the client asked its remote shell to run
// (SSH_ORIGINAL_COMMAND) to test/fixtures/rsync-option-sweep.json. `--info=` and `--debug=` are swept
// once per flag word of `rsync --info=help` / `--debug=help`. The remote shell is a recorder that
// drops the host word, writes the rest (joined with single spaces, as ssh joins them) and fails, so
// nothing is ever transferred. The gate's verdict on every line is judged by
// src/gate/rsync-client-options.ts and checked by test/unit/rsync-option-sweep.test.ts.
//
// An option the client refuses without a recursion option is tried again with `-r` (deletes need
// it); a line whose client never connected has `command: null`.
//
//   usage: npm run sweep:rsync-options [-- OUTPUT.json]   (needs rsync; compiled to build/scripts/)

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../test/lab/paths.js';
import { parseHelpOptions, parseFlagWords, type FlagWord, type HelpOption } from './lib/rsync-help.js';
import type { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns } from 'node:child_process';

const OUT = process.argv[2] ?? projectPath('test/fixtures/rsync-option-sweep.json');
const RSYNC = process.env['RSYNC'] ?? 'rsync';

// One typical value per option that takes one; names of files are relative to the sweep's work dir
// so the fixture is the same on every machine.
const SAMPLES: Record<string, string[]> = {
  '--stderr': ['errors', 'all', 'client'],
  '--backup-dir': ['.backup'],
  '--suffix': ['.bak'],
  '--confine-root': ['/tmp'],
  '--chmod': ['u+w'],
  '--checksum-choice': ['xxh128'],
  '--block-size': ['2048'],
  '--rsh': ['./recorder'],
  '--rsync-path': ['/usr/bin/rsync'],
  '--max-delete': ['5', '0'],
  '--max-size': ['1M'],
  '--min-size': ['1k'],
  '--max-alloc': ['64M'],
  '--partial-dir': ['.partial'],
  '--usermap': ['root:daemon'],
  '--groupmap': ['root:daemon'],
  '--chown': ['root:root'],
  '--timeout': ['30'],
  '--contimeout': ['5'],
  '--modify-window': ['1', '-1'],
  '--temp-dir': ['.tmp'],
  '--compare-dest': ['.compare'],
  '--copy-dest': ['.copy'],
  '--link-dest': ['.link'],
  '--compress-choice': ['zstd', 'zlib', 'zlibx', 'lz4', 'none'],
  '--compress-level': ['9'],
  '--compress-threads': ['2'],
  '--skip-compress': ['gz/jpg'],
  '--filter': ['- *.bak'],
  '--exclude': ['*.bak'],
  '--exclude-from': ['list'],
  '--include': ['*.db'],
  '--include-from': ['list'],
  '--files-from': ['list'],
  '--copy-as': ['root'],
  '--address': ['127.0.0.1'],
  '--port': ['873'],
  '--sockopts': ['SO_KEEPALIVE'],
  '--outbuf': ['L'],
  '--remote-option': ['--log-file=x'],
  '--out-format': ['%n'],
  '--log-file': ['client.log'],
  '--log-file-format': ['%n'],
  '--password-file': ['password'],
  '--early-input': ['list'],
  '--bwlimit': ['100'],
  '--stop-after': ['5'],
  '--stop-at': ['2099-01-01T00:00'],
  '--write-batch': ['batch'],
  '--only-write-batch': ['batch'],
  '--read-batch': ['batch'],
  '--protocol': ['30'],
  '--iconv': ['utf8,latin1'],
  '--checksum-seed': ['1'],
};

// --no-OPTION is a pattern, not an option: a few of the negations the client forwards.
const NEGATIONS = ['--no-D', '--no-devices', '--no-specials', '--no-perms', '--no-times'];

function run(args: string[], options: Partial<SpawnSyncOptionsWithStringEncoding> = {}): SpawnSyncReturns<string> {
  return spawnSync(RSYNC, args, { encoding: 'utf8', timeout: 20_000, ...options });
}

type Direction = 'push' | 'pull';

function variants(option: HelpOption, flagWords: Record<string, FlagWord[]>): string[][] {
  if (option.name === '--no-OPTION') return NEGATIONS.map((word) => [word]);
  if (option.name === '--info' || option.name === '--debug') {
    const words = flagWords[option.name] ?? [];
    return [...words.map((w) => [`${option.name}=${w.word.toLowerCase()}${w.max > 1 ? String(w.max) : ''}`]), [`${option.name}=all4`]];
  }
  if (!option.value) return [[option.name]];
  const samples = SAMPLES[option.name];
  if (!samples) throw new Error(`sweep: no sample value for ${option.name}=${option.value}: add one to SAMPLES`);
  return samples.map((value) => [`${option.name}=${value}`]);
}

function makeWork(): string {
  const work = mkdtempSync(join(tmpdir(), 'zonegate-sweep-'));
  writeFileSync(join(work, 'recorder'), '#!/bin/sh\nshift\nprintf \'%s\' "$*" >"$ZG_RECORD"\nexit 1\n');
  chmodSync(join(work, 'recorder'), 0o755);
  mkdirSync(join(work, 'src/sub'), { recursive: true });
  mkdirSync(join(work, 'dst'));
  writeFileSync(join(work, 'src/a'), 'a\n');
  writeFileSync(join(work, 'list'), 'a\n');
  writeFileSync(join(work, 'password'), 'secret\n', { mode: 0o600 });
  return work;
}

/** The command the client sent for `rsync -e ./recorder ARGS… ENDPOINTS`, or null when it never connected. */
function record(work: string, args: string[], endpoints: string[]): string | null {
  const file = join(work, 'command');
  rmSync(file, { force: true });
  run(['-e', './recorder', ...args, ...endpoints], { cwd: work, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ZG_RECORD: file } });
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const ENDPOINTS: Record<Direction, string[]> = { push: ['src/a', 'h:zones/'], pull: ['h:zones/a', 'dst/'] };

function main(): void {
  const help = run(['--help']).stdout;
  const version = run(['--version']).stdout.split('\n')[0] ?? '';
  const options = parseHelpOptions(help);
  const flagWords = { '--info': parseFlagWords(run(['--info=help']).stdout), '--debug': parseFlagWords(run(['--debug=help']).stdout) };
  const work = makeWork();
  const lines: { option: string; direction: Direction; argv: string[]; command: string | null }[] = [];
  try {
    const baseline = { push: record(work, [], ENDPOINTS.push), pull: record(work, [], ENDPOINTS.pull) };
    for (const option of options) {
      for (const args of variants(option, flagWords)) {
        for (const direction of ['push', 'pull'] as const) {
          let argv = args;
          let command = record(work, argv, ENDPOINTS[direction]);
          if (command === null) {
            argv = ['-r', ...args];
            command = record(work, argv, ENDPOINTS[direction]);
            if (command === null) argv = args;
          }
          lines.push({ option: option.name, direction, argv, command });
        }
      }
    }
    const body = lines.map((line) => `    ${JSON.stringify(line)}`).join(',\n');
    const head = `{\n  "rsync": ${JSON.stringify(version)},\n  "baseline": ${JSON.stringify(baseline)},\n`;
    writeFileSync(OUT, `${head}  "lines": [\n${body}\n  ]\n}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const sent = lines.filter((line) => line.command !== null).length;
  console.log(`${String(options.length)} options, ${String(lines.length)} client lines (${String(sent)} connected) -> ${OUT}`);
}

main();
