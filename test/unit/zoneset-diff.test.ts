// What a push changed, read from the real rsync's transfer log: a live tree, a spare copy of it
// (own inodes, as the gate keeps it), a local rsync into the spare with the gate's --log-file
// options, then parseTransferLog + changesFromLog. Refusals name what they stop.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { changesFromLog, zoneOfFile } from '../../src/zoneset/diff.js';
import { parseTransferLog, transferLogOptions, type TransferLog } from '../../src/zoneset/transfer-log.js';
import { outcome } from '../helpers/outcome.js';
import { requireTool } from '../lab/tools.js';

const RSYNC = requireTool('/usr/bin/rsync', 'rsync');
const LOOPBACK_SSH = fileURLToPath(new URL('../fixtures/loopback-ssh', import.meta.url));

describe('zoneOfFile', () => {
  it.each([
    ['db.example.com', 'db.{zone}', 'example.com'],
    ['db.Example.COM', 'db.{zone}', 'example.com'],
    ['example.com.zone', '{zone}.zone', 'example.com'],
    ['db.10.in-addr.arpa', 'db.{zone}', '10.in-addr.arpa'],
    ['db._tcp.example', 'db.{zone}', '_tcp.example'],
    ['db.', 'db.{zone}', undefined],
    ['example.com', 'db.{zone}', undefined],
    // Names that would not be DNS names, or that smuggle path or shell characters into rndc's argv.
    ['db..example', 'db.{zone}', undefined],
    ['db.-example', 'db.{zone}', undefined],
    ['db.exa mple', 'db.{zone}', undefined],
    ['db.example.com.swp', '{zone}.zone', undefined],
  ])('%s with %s -> %s', (file, pattern, zone) => {
    expect(zoneOfFile(file, pattern)).toBe(zone);
  });
});

interface World {
  source: string;
  live: string;
  spare: string;
  log: string;
}

const OLD = new Date('2026-01-01T00:00:00Z');

/** Primary source, live tree and spare all holding a, b and c, with the same times. */
function world(): World {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-diff-'));
  const w = { source: join(base, 'source'), live: join(base, 'live'), spare: join(base, 'spare'), log: join(base, 'transfer.log') };
  mkdirSync(w.source);
  for (const zone of ['a.example', 'b.example', 'c.example']) {
    writeFileSync(join(w.source, `db.${zone}`), `${zone}\n`);
    utimesSync(join(w.source, `db.${zone}`), OLD, OLD);
  }
  cpSync(w.source, w.live, { recursive: true, preserveTimestamps: true });
  cpSync(w.source, w.spare, { recursive: true, preserveTimestamps: true });
  return w;
}

/**
 * rsync the source into the spare and read its log. The options go to the server side (-M), where
 * the gate puts them: a local copy has no server, and logs attribute-only updates elsewhere.
 */
function transfer(w: World, options: string[] = ['-rtp', '--delete']): TransferLog {
  writeFileSync(w.log, '');
  const server = transferLogOptions(w.log).map((option) => `-M${option}`);
  const result = spawnSync(RSYNC, ['-e', LOOPBACK_SSH, ...options, ...server, `${w.source}/`, `loopback:${w.spare}/`], {
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const log = parseTransferLog(readFileSync(w.log, 'utf8'));
  if (log === undefined) throw new Error(`incomplete log: ${readFileSync(w.log, 'utf8')}`);
  return log;
}

describe('parseTransferLog + changesFromLog with the real rsync', () => {
  it('finds nothing when the source matches the spare, and reads no other file', () => {
    const w = world();
    const log = transfer(w);
    expect(log).toEqual({ written: [], deleted: [], refused: [], oversized: [] });
    expect(changesFromLog(w.live, w.spare, log, 'db.{zone}')).toEqual({ added: [], changed: [], removed: [], touched: [], before: 0 });
  });

  it('finds added, changed and removed zones', () => {
    const w = world();
    writeFileSync(join(w.source, 'db.b.example'), 'new b\n');
    rmSync(join(w.source, 'db.c.example'));
    writeFileSync(join(w.source, 'db.d.example'), 'd\n');
    const log = transfer(w);
    expect(changesFromLog(w.live, w.spare, log, 'db.{zone}')).toEqual({
      added: [{ zone: 'd.example', file: 'db.d.example' }],
      changed: [{ zone: 'b.example', file: 'db.b.example' }],
      removed: [{ zone: 'c.example', file: 'db.c.example' }],
      touched: [],
      before: 3,
    });
  });

  it('counts a new mtime or mode with the same bytes as touched, not changed', () => {
    const w = world();
    utimesSync(join(w.source, 'db.a.example'), new Date(), new Date());
    chmodSync(join(w.source, 'db.b.example'), 0o600);
    const log = transfer(w);
    expect(log.written.sort()).toEqual(['db.a.example', 'db.b.example']);
    expect(changesFromLog(w.live, w.spare, log, 'db.{zone}')).toMatchObject({ changed: [], touched: ['db.a.example', 'db.b.example'] });
    // The mode went to the spare's own inode; the live file keeps its own.
    expect(statSync(join(w.live, 'db.b.example')).mode & 0o777).toBe(0o644);
  });

  it('compares the bytes to the end, past the first 64 KiB chunk: the same size with one byte changed late is a change', () => {
    const w = world();
    const big = '; padding\n'.repeat(20_000);
    for (const dir of [w.source, w.live, w.spare]) {
      writeFileSync(join(dir, 'db.a.example'), `${big}a\n`);
      writeFileSync(join(dir, 'db.b.example'), `${big}b\n`);
      utimesSync(join(dir, 'db.a.example'), OLD, OLD);
      utimesSync(join(dir, 'db.b.example'), OLD, OLD);
    }
    // a: same bytes, new mtime (touched); b: one byte near the end differs (changed), same size.
    utimesSync(join(w.source, 'db.a.example'), new Date(), new Date());
    writeFileSync(join(w.source, 'db.b.example'), `${big}B\n`);
    const log = transfer(w);
    expect(log.written.sort()).toEqual(['db.a.example', 'db.b.example']);
    expect(changesFromLog(w.live, w.spare, log, 'db.{zone}')).toMatchObject({
      changed: [{ zone: 'b.example', file: 'db.b.example' }],
      touched: ['db.a.example'],
    });
  });

  it.each([
    // attack: a symlink pushed into the zone set, to make named read another file.
    [
      'a symlink',
      (dir: string) => {
        symlinkSync('/etc/shadow', join(dir, 'db.evil.example'));
      },
      ['-rtpl'],
    ],
    // attack: a directory tree inside the zone set.
    [
      'a directory',
      (dir: string) => {
        mkdirSync(join(dir, 'sub'));
      },
      ['-rtp'],
    ],
    // attack: hard-linked zone files (named would load one inode under two names).
    [
      'a hard link',
      (dir: string) => {
        linkSync(join(dir, 'db.a.example'), join(dir, 'db.h.example'));
      },
      ['-rtpH'],
    ],
    [
      'a stray file',
      (dir: string) => {
        writeFileSync(join(dir, 'README'), 'x');
      },
      ['-rtp'],
    ],
    [
      'two files for one zone',
      (dir: string) => {
        writeFileSync(join(dir, 'db.A.example'), 'x');
      },
      ['-rtp'],
    ],
    // attack: a name rsync must escape in its log ("db.evil\#012.example"): looked up under the
    // escaped spelling it is in neither tree, and would slip past as "nothing changed".
    [
      'a name with a newline',
      (dir: string) => {
        writeFileSync(join(dir, 'db.evil\n.example'), 'x');
      },
      ['-rtp'],
    ],
    [
      'a name with a backslash',
      (dir: string) => {
        writeFileSync(join(dir, 'db.evil\\#012.example'), 'x');
      },
      ['-rtp'],
    ],
  ])('refuses %s as not-a-zone-file', (_name, plant, options) => {
    const w = world();
    plant(w.source);
    const log = transfer(w, options);
    expect(outcome(() => changesFromLog(w.live, w.spare, log, 'db.{zone}'))).toMatchObject({
      kind: 'refused',
      reason: 'not-a-zone-file',
      exitCode: 86,
    });
  });

  it.each([
    ['written', { written: ['db.ghost.example'], deleted: [], refused: [], oversized: [] }],
    ['deleted', { written: [], deleted: ['db.ghost.example'], refused: [], oversized: [] }],
  ])('refuses a name the log says rsync %s that is in neither tree (log and trees disagree)', (_what, log) => {
    const w = world();
    expect(outcome(() => changesFromLog(w.live, w.spare, log, 'db.{zone}'))).toMatchObject({ kind: 'refused', reason: 'not-a-zone-file' });
  });

  it("treats a log without rsync's closing summary as incomplete (rsync could not open it, or was killed)", () => {
    const w = world();
    writeFileSync(join(w.source, 'db.b.example'), 'new b\n');
    const full = (() => {
      transfer(w);
      return readFileSync(w.log, 'utf8');
    })();
    expect(parseTransferLog(full)).toBeDefined();
    const cut = full
      .split('\n')
      .filter((line) => !/\] sent \d+ bytes/.test(line))
      .join('\n');
    expect(parseTransferLog(cut)).toBeUndefined();
    expect(parseTransferLog('')).toBeUndefined();
  });

  it('keeps names with escapes and spaces whole, and never reads them as items', () => {
    const text = [
      '2026/11/23 12:51:55 [1] receiving file list',
      '2026/11/23 12:51:55 [2] >f+++++++++ db.a b\\#012>f+++++++++ x',
      '2026/11/23 12:51:55 [2] *deleting   db.gone.example',
      '2026/11/23 12:51:55 [2] cannot delete non-empty directory: x',
      '2026/11/23 12:51:55 [1] sent 1 bytes  received 2 bytes  total size 3',
    ].join('\n');
    // Whole, and refused: an escaped name never names the file rsync wrote.
    expect(parseTransferLog(text)).toEqual({
      written: [],
      deleted: ['db.gone.example'],
      refused: ['db.a b\\#012>f+++++++++ x'],
      oversized: [],
    });
  });
});

describe('parseTransferLog: files rsync skipped as over --max-size', () => {
  it('lists them, so the push is refused instead of going live without them', () => {
    const text = [
      '2026/11/23 12:51:55 [1] db.big.example is over max-size',
      '2026/11/23 12:51:55 [1] sent 1 bytes  received 2 bytes  total size 3',
    ].join('\n');
    expect(parseTransferLog(text)).toMatchObject({ written: [], oversized: ['db.big.example'] });
  });
});
