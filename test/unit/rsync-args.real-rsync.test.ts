// Runs every accepted fixture for real: the rsync client talks, through a fake remote shell, to
// /usr/bin/rsync started with the argv buildRsyncArgv() rebuilt (`--` before `.`). Proves that a
// real server accepts the rebuilt argv, and that the fixture still matches what the client sends.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRsyncArgv, parseRsyncServerArgs } from '../../src/gate/rsync-args.js';
import { tokenizeCommand } from '../../src/gate/tokenize.js';

const RSYNC = '/usr/bin/rsync';
if (!existsSync(RSYNC)) throw new Error(`${RSYNC} is missing: apt-get install -y rsync`);

interface ClientCommand {
  client: string;
  argv: string[];
  command: string;
  expect: string;
}
const FIXTURES = (
  JSON.parse(readFileSync(new URL('../fixtures/rsync-client-commands.json', import.meta.url), 'utf8')) as ClientCommand[]
).filter((f) => f.expect === 'ok');

const base = mkdtempSync(join(tmpdir(), 'zonegate-rsync-args-'));
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

// The fake ssh: drops the host word, checks the command is the recorded one, runs the rebuilt argv.
const wrapper = join(base, 'fake-ssh.mjs');
writeFileSync(
  wrapper,
  `#!${process.execPath}
import { spawnSync } from 'node:child_process';
const command = process.argv.slice(3).join(' ');
if (command !== process.env.ZG_EXPECT) {
  process.stderr.write('fixture is stale, client sent: ' + command + '\\n');
  process.exit(99);
}
const r = spawnSync(${JSON.stringify(RSYNC)}, JSON.parse(process.env.ZG_ARGV), { stdio: 'inherit', cwd: process.env.ZG_CWD });
process.exit(r.status ?? 70);
`,
);
chmodSync(wrapper, 0o755);

function tree(dir: string, files: Record<string, string>): void {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
}

describe('rebuilt argv against the real rsync server', () => {
  it.each(FIXTURES.map((f, i) => [f.client, f, i] as const))('%s', (_client, fixture, i) => {
    const client = join(base, String(i), 'client');
    const server = join(base, String(i), 'server');
    tree(client, { 'src/a': 'a\n', 'src/sub/b': 'b\n' });
    mkdirSync(join(client, 'dst'));
    tree(server, {
      'zones/a': 'old\n',
      'zones/extra': 'x\n',
      'zones/sub/c': 'c\n',
      'zones/ex ample/d': 'd\n',
    });
    const request = parseRsyncServerArgs(tokenizeCommand(fixture.command));
    // The gate's hardening must coexist with every client option, so run with it.
    const hardening = [`--confine-root=${server}`, ...(request.direction === 'upload' ? ['--drop-D', '--munge-links'] : [])];
    const argv = buildRsyncArgv(request, request.paths, hardening);
    const result = spawnSync(RSYNC, ['-e', wrapper, ...fixture.argv], {
      cwd: client,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        ZG_EXPECT: fixture.command,
        ZG_ARGV: JSON.stringify(argv),
        ZG_CWD: server,
      },
      timeout: 30_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    // Something really moved (unless it was a dry run or a listing).
    if (!request.shortFlags.includes('n')) {
      const arrived = request.direction === 'upload' ? join(server, request.paths[0] ?? '', 'a') : join(client, 'dst', 'a');
      expect(readFileSync(arrived, 'utf8')).toBe(request.direction === 'upload' ? 'a\n' : 'old\n');
    }
  });
});
