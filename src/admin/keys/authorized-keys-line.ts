// One authorized_keys line per configured key (pure). Every option that sshd could otherwise grant
// is switched off explicitly, the client is pinned with from=, and the gate is forced with
// command=. Values that land inside from="…" or command="…" are checked against strict character
// sets and refused, never escaped: a `"` in a key name would end command= early and let the rest of
// the name inject options such as `,permitopen` or a second command.

import { ConfigError } from '../../shared/errors.js';
import { childPath } from '../../shared/jsonc.js';
import { expiryInstant } from '../../shared/key-expiry.js';
import { validateAddressList } from '../../shared/addresses.js';
import { splitPublicKey, validatePublicKey } from '../../shared/public-key.js';
import { KEY_NAME_PATTERN, SAFE_PATH_PATTERN, type KeyPolicy } from '../../shared/policy/types.js';

export const RESTRICT_OPTIONS = 'restrict,no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc';

/** Absolute paths that make up the forced command. */
export interface GateCommand {
  node: string;
  gate: string;
  config: string;
}

/** Only address characters: no quote, comma-injection or hostname pattern can get through. */
const ADDRESS_CHARS = /^[0-9A-Fa-f.:/]+$/;

function unsafe(path: string, message: string): never {
  throw new ConfigError('unsafe-value', `${path}: ${message}`, { details: { path } });
}

function checkPath(path: string, value: string): void {
  if (!SAFE_PATH_PATTERN.test(value)) {
    unsafe(path, `${JSON.stringify(value)} must be an absolute path of letters, digits and ._+@%=:,/- only (it goes inside command="…")`);
  }
}

/** Renders the command="…" value; refuses any value outside the strict sets. */
export function renderGateCommand(command: GateCommand, keyName: string): string {
  checkPath('--node', command.node);
  checkPath('--gate', command.gate);
  checkPath('--config', command.config);
  if (!KEY_NAME_PATTERN.test(keyName)) {
    unsafe(childPath('keys', keyName), 'key names are 1–64 letters, digits, dot, underscore or dash (the name goes inside command="…")');
  }
  return `${command.node} ${command.gate} --config ${command.config} --key ${keyName}`;
}

export function renderFromOption(key: KeyPolicy): string {
  const path = childPath('keys', key.name);
  if (key.from.length === 0) unsafe(`${path}.from`, 'must list at least one address or CIDR');
  const problem = validateAddressList(key.from);
  if (problem !== undefined) unsafe(childPath(`${path}.from`, problem.index), problem.message);
  key.from.forEach((entry, index) => {
    if (!ADDRESS_CHARS.test(entry)) unsafe(childPath(`${path}.from`, index), `${JSON.stringify(entry)} is not an IP address or CIDR`);
  });
  return `from="${key.from.join(',')}"`;
}

/** `TYPE BASE64 zonegate:NAME` — the comment names the config key, so a reader can find it. */
export function renderKeyMaterial(key: KeyPolicy): string {
  const path = `${childPath('keys', key.name)}.publicKey`;
  const problem = validatePublicKey(key.publicKey);
  const parts = splitPublicKey(key.publicKey);
  if (problem !== undefined || parts === undefined) unsafe(path, problem ?? 'malformed public key');
  return `${parts.type} ${parts.body} zonegate:${key.name}`;
}

export function renderAuthorizedKeysLine(key: KeyPolicy, command: GateCommand): string {
  const options = [RESTRICT_OPTIONS, renderFromOption(key)];
  if (key.expiry !== undefined) {
    if (expiryInstant(key.expiry) === undefined)
      unsafe(
        `${childPath('keys', key.name)}.expiry`,
        'must be YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, a real date, optionally with a Z suffix (UTC)',
      );
    options.push(`expiry-time="${key.expiry}"`);
  }
  const material = renderKeyMaterial(key);
  options.push(`command="${renderGateCommand(command, key.name)}"`);
  return `${options.join(',')} ${material}`;
}

/**
 * All lines, in config order. Two config keys with the same public key are refused: sshd would
 * always use the first line, so the second key's rules would silently never apply.
 */
export function renderAuthorizedKeysLines(keys: Iterable<KeyPolicy>, command: GateCommand): string[] {
  const seen = new Map<string, string>();
  const lines: string[] = [];
  for (const key of keys) {
    const line = renderAuthorizedKeysLine(key, command);
    const body = splitPublicKey(key.publicKey)?.body ?? '';
    const other = seen.get(body);
    if (other !== undefined) {
      unsafe(`${childPath('keys', key.name)}.publicKey`, `the same public key as keys.${other}; sshd would only ever use the first line`);
    }
    seen.set(body, key.name);
    lines.push(line);
  }
  return lines;
}
