// The generator commands through the built CLI: exit codes, what is printed, what is (not) written.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BEGIN_MARKER, END_MARKER } from '../../src/admin/keys/authorized-keys-block.js';
import { ADMIN, ROOT, zonegate } from '../helpers/admin-cli.js';
import { KEY_A, KEY_B, KEY_C } from '../fixtures/public-keys.js';

const base = mkdtempSync(join(tmpdir(), 'zonegate-cli-'));
chmodSync(base, 0o755);
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});
let counter = 0;
const fresh = (): string => {
  counter += 1;
  const dir = join(base, String(counter));
  mkdirSync(dir, { mode: 0o755 });
  return dir;
};

const rules = [{ direction: 'upload', root: '/var/lib/bind', paths: ['zones/**'] }];
function secondaryConfig(dir: string, keys: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'zonegate.conf');
  writeFileSync(file, JSON.stringify({ ...extra, keys }), { mode: 0o644 });
  return file;
}
const twoKeys = {
  primary1: { publicKey: KEY_A, from: ['192.0.2.10'], rules },
  primary2: { publicKey: KEY_B, from: ['2001:db8::/64'], rules },
};

describe('zonegate authorized-keys', () => {
  it('prints the block with command= calling this package’s gate by absolute paths', async () => {
    const config = secondaryConfig(fresh(), twoKeys);
    const result = await zonegate(['authorized-keys', '--config', config]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(BEGIN_MARKER);
    expect(lines[1]).toContain(`command="${process.execPath} ${ROOT}/bin/gate.cjs --config ${config} --key primary1"`);
    expect(lines[2]).toContain('from="2001:db8::/64"');
  });

  it('--install keeps foreign CRLF bytes, warns about the duplicate, and the second run is a no-op', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, twoKeys);
    const file = join(dir, 'authorized_keys');
    const foreign = `# admins\r\n${KEY_C}\r\n\r\n${KEY_A.replace('k1@example', 'old unrestricted line')}\r\n# no final newline`;
    writeFileSync(file, foreign, { mode: 0o640 });
    const first = await zonegate(['authorized-keys', '--config', config, '--install', file]);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toMatch(/WARNING: .*authorized_keys:8 also holds the public key of keys\.primary1/);
    expect(first.stdout).toMatch(/installed 2 key line\(s\)/);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith(foreign)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await zonegate(['authorized-keys', '--config', config, '--install', file]);
    expect(second.stdout).toMatch(/already up to date, nothing written/);
    expect(readFileSync(file, 'utf8')).toBe(text);

    // --check: the duplicate is drift (exit 1) until the old line goes.
    const drift = await zonegate(['authorized-keys', '--config', config, '--check', file]);
    expect(drift.exitCode).toBe(1);
    writeFileSync(file, text.replace(/^ssh-ed25519 \S+ old unrestricted line\r\n/m, ''));
    const clean = await zonegate(['authorized-keys', '--config', config, '--check', file]);
    expect(clean.stdout).toMatch(/matches the config/);
    expect(clean.exitCode).toBe(0);
  });

  it('--check reports a hand-widened from= as drift', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, twoKeys);
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, '');
    await zonegate(['authorized-keys', '--config', config, '--install', file]);
    writeFileSync(file, readFileSync(file, 'utf8').replace('from="192.0.2.10"', 'from="0.0.0.0/0"'));
    const result = await zonegate(['authorized-keys', '--config', config, '--check', file]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^unexpected: .*from="0\.0\.0\.0\/0"/m);
    expect(result.stdout).toMatch(/^missing: .*from="192\.0\.2\.10"/m);
  });

  // Attack: inputs that would widen or inject into the rendered line; each refused, naming the field.
  it.each([
    [
      'a hostname in from=',
      { ns1: { publicKey: KEY_A, from: ['primary.example.net'], rules } },
      [],
      78,
      /keys\.ns1\.from\[0\]: .*hostnames are refused/,
    ],
    [
      'a malformed public key',
      { ns1: { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAx4', from: ['192.0.2.1'], rules } },
      [],
      78,
      /keys\.ns1\.publicKey: /,
    ],
    ['a quote in a key name', { 'n"s': { publicKey: KEY_A, from: ['192.0.2.1'], rules } }, [], 78, /keys\["n\\"s"\]: key names/],
    ['a newline in a key name', { 'n\ns': { publicKey: KEY_A, from: ['192.0.2.1'], rules } }, [], 78, /keys\["n\\ns"\]: key names/],
    ['a space in --gate', twoKeys, ['--gate', '/opt/my gate/gate.cjs'], 64, /^zonegate: --gate: /],
    ['a quote in --node', twoKeys, ['--node', '/usr/bin/no"de'], 64, /^zonegate: --node: /],
  ])('refuses %s, writing nothing', async (_label, keys, extra, code, message) => {
    const dir = fresh();
    const config = secondaryConfig(dir, keys);
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, `${KEY_C}\n`);
    const result = await zonegate(['authorized-keys', '--config', config, '--install', file, ...extra]);
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(`${KEY_C}\n`);
  });

  it('refuses an unwritable target with a clear error, nothing written', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, twoKeys);
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, `${KEY_C}\n`, { mode: 0o644 });
    // A directory nobody may write to. Root writes anywhere through CAP_DAC_OVERRIDE, so as root the
    // CLI runs without it; it stays uid 0 and keeps CAP_DAC_READ_SEARCH, so it can read bin/admin.js
    // wherever the checkout lies (another uid could not enter a checkout under a `mktemp -d`).
    chmodSync(dir, 0o555);
    const argv = [process.execPath, ADMIN, 'authorized-keys', '--config', config, '--install', file];
    const asRoot = process.getuid?.() === 0;
    const result = await execa(
      asRoot ? 'setpriv' : process.execPath,
      asRoot ? ['--bounding-set=-dac_override', '--inh-caps=-dac_override', ...argv] : argv.slice(1),
      { reject: false },
    );
    expect(result.stderr).toMatch(
      /^zonegate: --install .*authorized_keys: cannot write a temporary file in .* \(EACCES\); nothing was changed$/m,
    );
    expect(result.exitCode).toBe(64);
    expect(readFileSync(file, 'utf8')).toBe(`${KEY_C}\n`);
  });
});

describe('zonegate init / keygen / cron', () => {
  it('init writes a starter, refuses to overwrite it, and replaces it with --force', async () => {
    const config = join(fresh(), 'etc', 'zonegate.conf');
    expect((await zonegate(['init', '--role', 'primary', '--config', config])).exitCode).toBe(0);
    expect(statSync(config).mode & 0o777).toBe(0o644);
    writeFileSync(config, '// edited\n{}\n');
    const again = await zonegate(['init', '--role', 'primary', '--config', config]);
    expect(again.exitCode).toBe(64);
    expect(again.stderr).toMatch(/--config .*: already exists; pass --force/);
    expect(readFileSync(config, 'utf8')).toBe('// edited\n{}\n');
    expect((await zonegate(['init', '--role', 'primary', '--config', config, '--force'])).exitCode).toBe(0);
    expect(readFileSync(config, 'utf8')).toMatch(/^\/\/ zonegate config for a PRIMARY/);
  });

  it('keygen prints the public key and its fingerprint', async () => {
    const dir = join(fresh(), 'keys');
    const result = await zonegate(['keygen', 'ns2', '--dir', dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^fingerprint: SHA256:\S{43}$/m);
    expect(result.stdout).toContain(readFileSync(join(dir, 'ns2.pub'), 'utf8').trim());
    const bad = await zonegate(['keygen', 'ns"2', '--dir', dir]);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/TARGET "ns\\"2"/);
  });

  /** A primary config with one target, ns2, in `dir`. */
  function primaryConfig(dir: string): string {
    const config = join(dir, 'primary.conf');
    const target = {
      host: '192.0.2.2',
      user: 'bind',
      identity: '/etc/zonegate/keys/ns2',
      knownHosts: '/etc/zonegate/known_hosts',
      source: '/srv/zones',
      destination: 'zones',
    };
    writeFileSync(config, JSON.stringify({ targets: { ns2: target } }), { mode: 0o600 });
    return config;
  }

  it('cron --write refuses when either file exists, writing neither', async () => {
    const dir = fresh();
    const config = primaryConfig(dir);
    const crontab = join(dir, 'zonegate-push-cron');
    writeFileSync(crontab, 'mine\n');
    const result = await zonegate(['cron', '--config', config, '--write', '--script', join(dir, 'push'), '--crontab', crontab]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toMatch(/--crontab .*: already exists/);
    expect(existsSync(join(dir, 'push'))).toBe(false);
    expect(readFileSync(crontab, 'utf8')).toBe('mine\n');
  });

  // The job only pins the environment and runs `zonegate push`, which keeps its own lock and logs:
  // the options that once named them are gone rather than silently ignored.
  it.each([
    [['--log', '/tmp/push.log'], /Unknown argument: log/],
    [['--lock', '/tmp/push.lock'], /Unknown argument: lock/],
    [['--target', 'ns9'], /--target ns9: not under "targets"/],
  ])('cron %j is refused with exit 64', async (extra, message) => {
    const dir = fresh();
    const config = primaryConfig(dir);
    const result = await zonegate(['cron', '--config', config, ...extra]);
    expect(result.exitCode).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it.each(['init', 'keygen', 'authorized-keys', 'cron', 'systemd', 'doctor'])('%s --help shows an example', async (command) => {
    const result = await zonegate([command, '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Examples:\n {2}zonegate /);
  });
});

describe('zonegate doctor', () => {
  it('checks every directory StrictModes walks (up to /, so /tmp fails), and fails with the fix when authorized_keys is writable by others', async () => {
    const dir = fresh();
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'log'));
    const config = secondaryConfig(dir, twoKeys, { gate: { log: join(dir, 'log', 'gate.log'), sandbox: 'auto' } });
    const file = join(home, '.ssh', 'authorized_keys');
    writeFileSync(file, '', { mode: 0o600 });
    expect((await zonegate(['authorized-keys', '--config', config, '--install', file])).exitCode).toBe(0);
    const good = await zonegate(['doctor', '--config', config, '--authorized-keys', file]);
    expect(good.stdout).toMatch(/^\[ ok \] config .* valid$/m);
    expect(good.stdout).toMatch(/^\[ ok \] rsync \d+\.\d+\.\d+ at \/usr\/bin\/rsync$/m);
    expect(good.stdout).toMatch(/^\[ ok \] authorized_keys .* matches the config/m);
    expect(good.stdout).toMatch(/^\[ ok \] log directory .* writable by/m);
    // Outside the account's home, sshd's StrictModes walks every directory up to /: a
    // world-writable one on the way (/tmp, where this test usually runs) makes sshd refuse the
    // file, so doctor must say so (it once checked two levels and passed it). Everything else is in
    // order. (The deployment test, test/deployment/two-hosts.sh, sees doctor pass a file inside the
    // account's home.)
    const loose: string[] = [];
    for (let up = dirname(home); ; up = dirname(up)) {
      if ((statSync(up).mode & 0o022) !== 0) loose.push(up);
      if (up === '/') break;
    }
    if (loose.length === 0) {
      expect(good.stdout).toMatch(/^0 problem\(s\)/m);
      expect(good.exitCode).toBe(0);
    } else {
      expect(good.stdout).toMatch(
        new RegExp(`^\\[FAIL\\] authorized_keys permissions\\n {7}${loose[0] ?? ''} \\(mode \\d+, uid \\d+\\)`, 'm'),
      );
      expect(good.stdout).toMatch(/^1 problem\(s\)/m);
      expect(good.exitCode).toBe(1);
    }

    // Attack: a world-writable authorized_keys lets any local user add their own key.
    chmodSync(file, 0o666);
    const bad = await zonegate(['doctor', '--config', config, '--authorized-keys', file]);
    expect(bad.stdout).toMatch(new RegExp(`^\\[FAIL\\] authorized_keys permissions\\n {7}${file} \\(mode 666`, 'm'));
    expect(bad.stdout).toMatch(/^\[FAIL\] authorized_keys permissions\n.*\n {7}fix: chmod go-w /m);
    expect(bad.exitCode).toBe(1);
  });

  it('checks the gate state directory, fills the capabilities cache as root, and fails a group-writable one', async () => {
    const dir = fresh();
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'log'));
    mkdirSync(join(dir, 'state'), { mode: 0o755 });
    const gate = { log: join(dir, 'log', 'gate.log'), stateDir: join(dir, 'state'), sandbox: 'auto' };
    const config = secondaryConfig(dir, twoKeys, { gate });
    const file = join(home, '.ssh', 'authorized_keys');
    writeFileSync(file, '', { mode: 0o600 });
    expect((await zonegate(['authorized-keys', '--config', config, '--install', file])).exitCode).toBe(0);
    const good = await zonegate(['doctor', '--config', config, '--authorized-keys', file]);
    expect(good.stdout).toMatch(/^\[ ok \] gate log and state directories$/m);
    expect(good.stdout).toMatch(/^\[ ok \] rsync capabilities cached in .*\/state\/rsync-capabilities\.json$/m);
    expect(JSON.parse(readFileSync(join(dir, 'state', 'rsync-capabilities.json'), 'utf8'))).toMatchObject({ caps: { dropD: true } });

    // Attack: a state directory others can write lets them plant a cache that turns hardening off.
    chmodSync(join(dir, 'state'), 0o777);
    const bad = await zonegate(['doctor', '--config', config, '--authorized-keys', file]);
    expect(bad.stdout).toMatch(/^\[FAIL\] gate log and state directories\n.*gate\.stateDir: .* is writable by group or others/m);
    expect(bad.exitCode).toBe(1);
  });

  it('shows the zones each zone set may hold, and that prlimit and ldns-verify-zone are there for its checks', async () => {
    const dir = fresh();
    const zoneSet = { name: 'ext', zones: ['example.com', '*.example.net'], rndc: false, verify: false };
    const config = secondaryConfig(dir, { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules: [{ ...rules[0], zoneSet }] } });
    const result = await zonegate(['doctor', '--config', config]);
    expect(result.stdout).toMatch(/^\[ ok \] zone set ext may hold: example\.com \*\.example\.net$/m);
    expect(result.stdout).toMatch(/^\[ ok \] \/usr\/bin\/prlimit/m);
    expect(result.stdout).toMatch(/^\[ ok \] \/usr\/bin\/ldns-verify-zone/m);
  });

  it('fails on an invalid config, naming the field', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, { ns1: { publicKey: KEY_A, from: ['ns1.example.net'], rules } });
    const result = await zonegate(['doctor', '--config', config]);
    expect(result.stdout).toMatch(/^\[FAIL\] config .*\n {7}.*keys\.ns1\.from\[0\]: .*hostnames are refused/m);
    expect(result.exitCode).toBe(1);
  });
});

describe('zonegate authorized-keys when another line shadows the block', () => {
  // Attack: an unrestricted line for the same key before zonegate's block; sshd takes the first
  // match, so the key logs in with a shell while the block looks right.
  it('--install fails with the line and writes nothing; --check fails naming it', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules } });
    const file = join(dir, 'authorized_keys');
    const shadowing = `${KEY_A}\n${BEGIN_MARKER}\n${END_MARKER}\n`;
    writeFileSync(file, shadowing, { mode: 0o600 });
    const install = await zonegate(['authorized-keys', '--config', config, '--install', file]);
    expect(install.stderr).toContain(`${file}:1 holds the public key of keys.ns1 before zonegate's block`);
    expect(install.exitCode).toBe(78);
    expect(readFileSync(file, 'utf8')).toBe(shadowing);
    const check = await zonegate(['authorized-keys', '--config', config, '--check', file]);
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toMatch(/:1 also holds the public key of keys\.ns1; it comes BEFORE the zonegate block/);
  });
});

describe('zonegate authorized-keys --install --create', () => {
  // The positive path, a file made for a real account, runs in test/deployment/two-hosts.sh, which
  // has accounts of its own; here only what must be refused without touching the machine's.
  it('refuses a file in no account’s home, creating nothing', async () => {
    const dir = fresh();
    const config = secondaryConfig(dir, { ns1: { publicKey: KEY_A, from: ['192.0.2.10'], rules } });
    const file = join(dir, 'home', '.ssh', 'authorized_keys');
    const result = await zonegate(['authorized-keys', '--config', config, '--install', file, '--create']);
    expect(result.stderr).toMatch(/--create .*: no account has .*\/home as its home/);
    expect(result.exitCode).toBe(64);
    expect(existsSync(join(dir, 'home'))).toBe(false);
  });

  it('needs --install', async () => {
    const result = await zonegate(['authorized-keys', '--create']);
    expect(result.exitCode).toBe(64);
  });
});

/** A primary's config in a fresh dir: one target (validating zones), and these push settings. */
function primaryWithPush(push: Record<string, unknown>): string {
  const dir = fresh();
  mkdirSync(join(dir, 'zones'), { recursive: true });
  return secondaryConfig(
    dir,
    {},
    {
      targets: {
        ns2: {
          host: '192.0.2.53',
          user: 'zonegate',
          identity: join(dir, 'key'),
          knownHosts: join(dir, 'known_hosts'),
          source: join(dir, 'zones'),
          destination: '/x/',
          zoneFile: 'db.{zone}',
        },
      },
      push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), ...push },
    },
  );
}

describe('zonegate doctor on a primary with push.hook', () => {
  it('fails when the hook is not executable (a failure would alert nobody through it), passes when it is', async () => {
    const missing = await zonegate(['doctor', '--config', primaryWithPush({ hook: ['/nonexistent/no-hook', '--from-zonegate'] })]);
    expect(missing.stdout).toMatch(/^\[FAIL\] push\.hook \/nonexistent\/no-hook is missing or not executable$/m);
    expect(missing.exitCode).toBe(1);
    const present = await zonegate(['doctor', '--config', primaryWithPush({ hook: ['/bin/true'] })]);
    expect(present.stdout).toMatch(/^\[ ok \] push\.hook \/bin\/true is executable$/m);
  });
});

describe('zonegate doctor on a primary with push.mailTo', () => {
  it('fails when sendmail is missing (the failure mail would be lost), passes when it is there', async () => {
    const primary = (sendmail: string): string => primaryWithPush({ mailTo: 'hostmaster', sendmail });
    const missing = await zonegate(['doctor', '--config', primary('/nonexistent/no-sendmail')]);
    // The target validates zones (zoneFile) with push.checker: named-checkzone must be there.
    expect(missing.stdout).toMatch(/^\[ ok \] \/usr\/bin\/named-checkzone at \/usr\/bin\/named-checkzone$/m);
    expect(missing.stdout).toMatch(/^\[FAIL\] sendmail .*no-sendmail missing\n {7}push\.mailTo is hostmaster/m);
    const present = await zonegate(['doctor', '--config', primary('/bin/true')]);
    expect(present.stdout).toMatch(/^\[ ok \] sendmail at \/bin\/true \(push\.mailTo hostmaster\)$/m);
  });
});
