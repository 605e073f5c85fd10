import { describe, expect, it } from 'vitest';
import { renderAuthorizedKeysLine, renderAuthorizedKeysLines, type GateCommand } from '../../src/admin/keys/authorized-keys-line.js';
import type { KeyPolicy } from '../../src/shared/policy/types.js';
import { KEY_A, KEY_B } from '../fixtures/public-keys.js';
import { outcome } from '../helpers/outcome.js';

const command: GateCommand = { node: '/usr/bin/node', gate: '/opt/zonegate/bin/gate.cjs', config: '/etc/zonegate/zonegate.conf' };
const rules: KeyPolicy['rules'] = [{ direction: 'upload', root: '/var/lib/bind', paths: ['zones/**'], delete: false }];
const key = (overrides: Partial<KeyPolicy> = {}): KeyPolicy => ({
  name: 'primary1',
  publicKey: KEY_A,
  from: ['192.0.2.10'],
  rules,
  ...overrides,
});

describe('renderAuthorizedKeysLine', () => {
  it('restricts everything, pins from= and forces the gate by absolute paths', () => {
    expect(renderAuthorizedKeysLine(key({ from: ['192.0.2.10', '2001:db8::/32'] }), command)).toMatchInlineSnapshot(
      `"restrict,no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc,from="192.0.2.10,2001:db8::/32",command="/usr/bin/node /opt/zonegate/bin/gate.cjs --config /etc/zonegate/zonegate.conf --key primary1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAx4zonRoRvgXz6/1C8C3JIa7xjJBAcsh1zR0XvA3m9n zonegate:primary1"`,
    );
  });

  it('adds expiry-time= when the key expires', () => {
    expect(renderAuthorizedKeysLine(key({ expiry: '20271231' }), command)).toMatchInlineSnapshot(
      `"restrict,no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc,from="192.0.2.10",expiry-time="20271231",command="/usr/bin/node /opt/zonegate/bin/gate.cjs --config /etc/zonegate/zonegate.conf --key primary1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAx4zonRoRvgXz6/1C8C3JIa7xjJBAcsh1zR0XvA3m9n zonegate:primary1"`,
    );
  });

  // Attack: values that would break out of from="…" or command="…" and add options or commands,
  // hostnames that make sshd trust reverse DNS, and damaged keys that sshd would silently skip.
  it.each([
    ['hostname in from', key({ from: ['ns1.example.com'] }), command, 'keys.primary1.from[0]', /hostnames are refused/],
    ['wildcard in from', key({ from: ['192.0.2.*'] }), command, 'keys.primary1.from[0]', /not an IPv4\/IPv6 address/],
    ['quote in from', key({ from: ['192.0.2.1",command="/bin/sh'] }), command, 'keys.primary1.from[0]', /not an IP/],
    ['empty from', key({ from: [] }), command, 'keys.primary1.from', /at least one/],
    ['quote in name', key({ name: 'a"b' }), command, 'keys["a\\"b"]', /key names/],
    ['newline in name', key({ name: 'a\nrestrict' }), command, 'keys["a\\nrestrict"]', /key names/],
    ['space in name', key({ name: 'a --config /tmp/x' }), command, 'keys["a --config /tmp/x"]', /key names/],
    ['quote in config path', key(), { ...command, config: '/etc/z".conf' }, '--config', /absolute path/],
    ['space in gate path', key(), { ...command, gate: '/opt/my gate/gate.cjs' }, '--gate', /absolute path/],
    ['relative node', key(), { ...command, node: 'node' }, '--node', /absolute path/],
    ['newline in node', key(), { ...command, node: '/usr/bin/node\n' }, '--node', /absolute path/],
    ['malformed key', key({ publicKey: 'ssh-ed25519 AAAA' }), command, 'keys.primary1.publicKey', /not a ssh-ed25519 key/],
    ['truncated key', key({ publicKey: KEY_A.slice(0, 60) }), command, 'keys.primary1.publicKey', /./],
    [
      'newline in key comment',
      key({ publicKey: `${KEY_A}\ncommand="/bin/sh" ${KEY_B}` }),
      command,
      'keys.primary1.publicKey',
      /one OpenSSH public key line/,
    ],
    ['bad expiry', key({ expiry: '2027-12-31' }), command, 'keys.primary1.expiry', /YYYYMMDD/],
  ])('refuses %s, naming the field', (_label, bad, cmd, field, message) => {
    const result = outcome(() => renderAuthorizedKeysLine(bad, cmd));
    expect(result).toMatchObject({ kind: 'refused', reason: 'unsafe-value' });
    expect(result.kind === 'refused' && result.message.startsWith(`${field}: `)).toBe(true);
    expect(result.kind === 'refused' && message.test(result.message)).toBe(true);
  });
});

describe('renderAuthorizedKeysLines', () => {
  it('renders one line per key, in config order', () => {
    const lines = renderAuthorizedKeysLines([key(), key({ name: 'primary2', publicKey: KEY_B, from: ['198.51.100.0/24'] })], command);
    expect(lines.map((line) => line.split(' ').at(-1))).toEqual(['zonegate:primary1', 'zonegate:primary2']);
  });

  // Attack on the admin's intent: the same key under two names; sshd would only ever apply the first.
  it('refuses the same public key under two names', () => {
    const result = outcome(() =>
      renderAuthorizedKeysLines([key(), key({ name: 'again', publicKey: KEY_A.replace('k1@example', 'other') })], command),
    );
    expect(result).toMatchObject({
      kind: 'refused',
      reason: 'unsafe-value',
      message: expect.stringMatching(/^keys\.again\.publicKey: /) as unknown,
    });
  });
});
