import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy, parsePolicy } from '../../src/shared/policy/load.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { outcome } from '../helpers/outcome.js';

const KEY = fakeEd25519PublicKey();

function config(key: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      keys: {
        ns1: { publicKey: KEY, from: ['192.0.2.1'], rules: [{ direction: 'upload', root: '/srv/zones', paths: ['external/**'] }], ...key },
      },
      ...extra,
    },
    null,
    2,
  );
}

function messageOf(text: string): string {
  try {
    parsePolicy(text, 'zonegate.conf');
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('parsePolicy', () => {
  it('reads a commented config with trailing commas and fills defaults', () => {
    const text = `// the secondary ns2
{
  /* where the gate logs */
  "gate": { "log": "/var/log/zonegate/gate.log", },
  "keys": {
    "ns1": {
      "publicKey": "${KEY}",
      "from": ["192.0.2.1", "2001:db8::/64"],
      "rules": [{ "direction": "upload", "root": "/srv/zones", "paths": ["external/**"], "delete": true }],
    },
  },
}`;
    const policy = parsePolicy(text, 'zonegate.conf');
    expect(policy.gate).toEqual({
      rsync: '/usr/bin/rsync',
      bwrap: '/usr/bin/bwrap',
      log: '/var/log/zonegate/gate.log',
      sandbox: 'auto',
      stateDir: '/var/lib/zonegate/gate',
    });
    expect(policy.keys.get('ns1')?.rules[0]).toEqual({ direction: 'upload', root: '/srv/zones', paths: ['external/**'], delete: true });
    expect(policy.keys.get('ns1')?.from).toEqual(['192.0.2.1', '2001:db8::/64']);
  });

  it.each([
    ['a syntax error', '{\n  "keys": {\n    "ns1": [1 2]\n  }\n}', /^zonegate\.conf:3:15: expected ',' or '\]'/],
    ['an unknown top-level setting', '{ "gates": {} }', /zonegate\.conf:1:3: gates: unknown setting/],
    ['a duplicate key', '{ "keys": {}, "keys": {} }', /zonegate\.conf:1:15: duplicate property "keys"/],
    ['an unterminated comment', '{ /* x ', /unterminated \/\* comment/],
    ['single quotes', "{ 'keys': {} }", /expected a quoted property name/],
  ])('names the place of %s', (_name, text, expected) => {
    expect(messageOf(text)).toMatch(expected);
  });

  it.each([
    [
      'a hostname in from',
      { from: ['ns1.example.com'] },
      /keys\.ns1\.from\[0\]: "ns1\.example\.com" is not an IP address or CIDR; hostnames are refused/,
    ],
    ['a bad CIDR', { from: ['192.0.2.0/33'] }, /keys\.ns1\.from\[0\]: .*prefix length/],
    ['an empty from list', { from: [] }, /keys\.ns1\.from: must be a non-empty list/],
    ['a malformed public key', { publicKey: 'ssh-ed25519 AAAAnotakey' }, /keys\.ns1\.publicKey: the base64 body is not a ssh-ed25519 key/],
    ['a DSA key', { publicKey: 'ssh-dss AAAAB3NzaC1kc3M= x' }, /unsupported key type "ssh-dss"/],
    [
      'a relative root',
      { rules: [{ direction: 'upload', root: 'srv/zones', paths: ['**'] }] },
      /keys\.ns1\.rules\[0\]\.root: must be an absolute path/,
    ],
    ['root /', { rules: [{ direction: 'upload', root: '/', paths: ['**'] }] }, /must not be \//],
    ['a root with ..', { rules: [{ direction: 'upload', root: '/srv/../etc', paths: ['**'] }] }, /normalized absolute path/],
    ['a quote in a root', { rules: [{ direction: 'upload', root: '/srv/"x', paths: ['**'] }] }, /absolute path of letters/],
    [
      'a pattern with ..',
      { rules: [{ direction: 'upload', root: '/srv', paths: ['a/../b'] }] },
      /rules\[0\]\.paths\[0\]: patterns must not contain \.\./,
    ],
    ['an absolute pattern', { rules: [{ direction: 'upload', root: '/srv', paths: ['/etc/**'] }] }, /relative to the rule's root/],
    ['no direction', { rules: [{ root: '/srv', paths: ['**'] }] }, /rules\[0\]\.direction: is required/],
    ['a bad direction', { rules: [{ direction: 'both', root: '/srv', paths: ['**'] }] }, /must be one of upload, download/],
    [
      'an unknown rule field',
      { rules: [{ direction: 'upload', root: '/srv', paths: ['**'], deletes: true }] },
      /rules\[0\]\.deletes: unknown setting/,
    ],
    ['no rules', { rules: [] }, /keys\.ns1\.rules: must be a non-empty list/],
    ['a bad expiry', { expiry: '2027-01-01' }, /keys\.ns1\.expiry: must be YYYYMMDD/],
    ['an expiry that is not a real date', { expiry: '20270231' }, /keys\.ns1\.expiry: must be YYYYMMDD/],
  ])('refuses %s and names the field', (_name, key, expected) => {
    const text = config(key);
    expect(messageOf(text)).toMatch(expected);
    expect(outcome(() => parsePolicy(text, 'x')).kind).toBe('refused');
  });

  // attack/accident: a live zone file any local account could rewrite, unchecked.
  it.each([
    [{ mode: '0666' }, /zoneSet\.files\.mode: must be readable by its owner and writable by no one but the owner/],
    [{ mode: '0664' }, /zoneSet\.files\.mode: must be readable/],
    [{ mode: '4644' }, /zoneSet\.files\.mode: must be an octal mode/],
    [{ mode: '0755' }, /zoneSet\.files\.mode: must be readable/],
    [{ mode: '0044' }, /zoneSet\.files\.mode: must be readable/],
    [{ mode: 'rw-r--r--' }, /zoneSet\.files\.mode: must be an octal mode/],
    [{ owner: 'root:bind' }, /zoneSet\.files\.owner: must be a user or group name, or a numeric id/],
    [{ colour: 'red' }, /zoneSet\.files\.colour: unknown setting/],
  ])('refuses zoneSet.files %j', (files, expected) => {
    const text = config({ rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { files } }] });
    expect(messageOf(text)).toMatch(expected);
  });

  it('refuses a key name with a quote or newline', () => {
    expect(messageOf(JSON.stringify({ keys: { 'a"b': {} } }))).toMatch(/key names are/);
    expect(messageOf(JSON.stringify({ keys: { 'a\nb': {} } }))).toMatch(/key names are/);
  });

  // attack: the log or state directory inside a rule's root: the key downloads the capabilities cache,
  // flips it (hardening off) and uploads it back with an empty gate.log.
  it.each([
    ['the log directory', { log: '/srv/zones/external/gate.log' }, 'gate.log', '/srv/zones/external'],
    ['the log directory at the root itself', { log: '/srv/zones/gate.log' }, 'gate.log', '/srv/zones'],
    ['the state directory', { stateDir: '/srv/zones/.state' }, 'gate.stateDir', '/srv/zones/.state'],
  ])('refuses %s inside a rule root, naming the setting', (_name, gate, setting, dir) => {
    const refused = outcome(() => parsePolicy(config({}, { gate }), 'zonegate.conf'));
    expect(refused).toMatchObject({ kind: 'refused', reason: 'config-invalid', exitCode: 78 });
    expect(refused.kind === 'refused' && refused.message).toContain(`${setting}: ${dir} lies inside keys.ns1.rules[0].root (/srv/zones)`);
  });

  it('accepts log and state directories beside a rule root with a common prefix', () => {
    const policy = parsePolicy(config({}, { gate: { log: '/srv/zones-log/gate.log', stateDir: '/srv/zones-state' } }), 'x');
    expect(policy.gate).toMatchObject({ log: '/srv/zones-log/gate.log', stateDir: '/srv/zones-state' });
  });

  it('refuses a bad sandbox mode', () => {
    expect(messageOf(config({}, { gate: { sandbox: 'maybe' } }))).toMatch(/gate\.sandbox: must be one of required, auto, off/);
  });
});

describe('loadPolicy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-policy-'));

  it('loads a file', () => {
    const file = join(dir, 'ok.conf');
    writeFileSync(file, config({}), { mode: 0o600 });
    expect(loadPolicy(file).keys.size).toBe(1);
  });

  it.each([
    // attack: a group-writable config lets another account grant itself a key.
    ['group-writable', 0o664, 'config-unsafe'],
    ['world-writable', 0o646, 'config-unsafe'],
  ])('refuses a %s config', (name, mode, reason) => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, config({}));
    chmodSync(file, mode);
    expect(outcome(() => loadPolicy(file))).toMatchObject({ kind: 'refused', reason, exitCode: 78 });
  });

  // attack: the config file is safe, but a directory above it lets another account swap it (sshd's
  // StrictModes refuses authorized_keys for the same reason).
  it.each([
    [
      'group-writable',
      (sub: string) => {
        chmodSync(sub, 0o775);
      },
    ],
    [
      'world-writable without the sticky bit',
      (sub: string) => {
        chmodSync(sub, 0o757);
      },
    ],
    [
      'owned by another user',
      (sub: string) => {
        chownSync(sub, 65534, 65534);
      },
    ],
  ])('refuses a config whose parent directory is %s', (name, spoil) => {
    const sub = join(dir, name.replace(/\W+/g, '-'));
    mkdirSync(join(sub, 'inner'), { recursive: true, mode: 0o755 });
    const file = join(sub, 'inner', 'zonegate.conf');
    writeFileSync(file, config({}), { mode: 0o600 });
    expect(loadPolicy(file).keys.size).toBe(1);
    spoil(sub);
    const refused = outcome(() => loadPolicy(file));
    expect(refused).toMatchObject({ kind: 'refused', reason: 'config-unsafe', exitCode: 78 });
    expect(refused.kind === 'refused' && refused.message).toContain(`its directory ${sub} is`);
  });

  it('checks the real directories of a symlinked config', () => {
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o777 });
    chmodSync(loose, 0o777);
    writeFileSync(join(loose, 'real.conf'), config({}), { mode: 0o600 });
    symlinkSync(join(loose, 'real.conf'), join(dir, 'link.conf'));
    expect(outcome(() => loadPolicy(join(dir, 'link.conf')))).toMatchObject({ kind: 'refused', reason: 'config-unsafe' });
  });

  it('says config-missing for a missing file', () => {
    expect(outcome(() => loadPolicy(join(dir, 'nope.conf')))).toMatchObject({ kind: 'refused', reason: 'config-missing', exitCode: 78 });
  });

  it('refuses a directory', () => {
    expect(outcome(() => loadPolicy(dir))).toMatchObject({ kind: 'refused', exitCode: 78 });
  });
});
