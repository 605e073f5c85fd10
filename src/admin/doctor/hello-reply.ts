// The gate's answer to `zonegate-hello` as the primary reads it (src/gate/hello.ts writes it). It
// comes from another host, so it is hostile input: its size and line count are bounded, only the
// expected version is read, every value is cleaned of escapes and control characters and capped
// (admin/push/remote-text.ts) before doctor prints it, and a rule line must be the JSON object shape
// the gate sends. Pure: text in, a parsed reply or the reason it was not understood out.

import { HELLO_REPLY_END, HELLO_REPLY_HEADER } from '../../gate/request-form.js';
import { sanitizeReason } from '../push/remote-text.js';

/** Far more than a key with many rules needs; ssh's stdout is cut at this size (connect.ts). */
export const MAX_HELLO_BYTES = 32 * 1024;
const MAX_LINES = 200;
const MAX_VALUE_CHARS = 200;
const MAX_RULE_CHARS = 400;

export interface HelloRule {
  index: number;
  direction: string;
  root: string;
  paths: string[];
  delete: boolean;
  zoneSet?: { name: string; zones: string[] };
}

export interface HelloReply {
  gate: string;
  key: string;
  fingerprint: string | undefined;
  client: string;
  ref: string;
  rules: HelloRule[];
}

export type HelloParse = { kind: 'ok'; reply: HelloReply } | { kind: 'bad'; reason: string };

const clean = (text: string, max = MAX_VALUE_CHARS): string => sanitizeReason(text, max);

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length <= 100 && value.every((item) => typeof item === 'string')
    ? value.map((item) => clean(item, 100))
    : undefined;
}

function parseRule(json: string): HelloRule | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const paths = stringList(r['paths']);
  if (typeof r['index'] !== 'number' || typeof r['direction'] !== 'string' || typeof r['root'] !== 'string') return undefined;
  if (paths === undefined || typeof r['delete'] !== 'boolean') return undefined;
  const rule: HelloRule = { index: r['index'], direction: clean(r['direction'], 20), root: clean(r['root']), paths, delete: r['delete'] };
  const zoneSet = r['zoneSet'];
  if (zoneSet === undefined) return rule;
  if (zoneSet === null || typeof zoneSet !== 'object') return undefined;
  const z = zoneSet as Record<string, unknown>;
  const zones = stringList(z['zones']);
  if (typeof z['name'] !== 'string' || zones === undefined) return undefined;
  return { ...rule, zoneSet: { name: clean(z['name'], 100), zones } };
}

export function parseHelloReply(stdout: string): HelloParse {
  if (Buffer.byteLength(stdout) > MAX_HELLO_BYTES)
    return { kind: 'bad', reason: `the reply is longer than ${String(MAX_HELLO_BYTES)} bytes` };
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length > MAX_LINES) return { kind: 'bad', reason: `the reply has more than ${String(MAX_LINES)} lines` };
  if (lines[0] !== HELLO_REPLY_HEADER)
    return {
      kind: 'bad',
      reason: `not a zonegate hello reply of the version this zonegate reads (${HELLO_REPLY_HEADER}); it began ${JSON.stringify(clean(lines[0] ?? '', 60))}`,
    };
  if (lines.at(-1) !== HELLO_REPLY_END) return { kind: 'bad', reason: 'the reply was cut short (no "end" line)' };
  const fields = new Map<string, string>();
  const rules: HelloRule[] = [];
  for (const line of lines.slice(1, -1)) {
    const space = line.indexOf(' ');
    const name = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? '' : line.slice(space + 1);
    if (name === 'rule') {
      const rule = value.length <= 64 * 1024 ? parseRule(value) : undefined;
      if (rule === undefined) return { kind: 'bad', reason: `rule line ${String(rules.length)} is not a rule the gate sends` };
      rules.push(rule);
    } else if (/^[a-z][a-z-]{0,30}$/.test(name)) {
      // Names this version does not know are left unread: a newer gate may add lines.
      if (!fields.has(name)) fields.set(name, clean(value));
    } else {
      return { kind: 'bad', reason: 'a reply line is not NAME VALUE' };
    }
  }
  const need = (name: string): string | undefined => fields.get(name);
  const [gate, key, client, ref] = [need('gate'), need('key'), need('client'), need('ref')];
  if (gate === undefined || key === undefined || client === undefined || ref === undefined)
    return { kind: 'bad', reason: 'the reply lacks one of gate, key, client, ref' };
  return { kind: 'ok', reply: { gate, key, fingerprint: fields.get('fingerprint'), client, ref, rules } };
}

/** One line per rule, as `zonegate check` words a matched rule. */
export function renderHelloRule(rule: HelloRule, key: string): string {
  const text = `keys.${key}.rules[${String(rule.index)}]: ${rule.direction} under ${rule.root}, paths ${rule.paths.join(' ')}${rule.delete ? ', deletes allowed' : ''}`;
  return clean(rule.zoneSet ? `${text}; zone set ${rule.zoneSet.name}, may hold: ${rule.zoneSet.zones.join(' ')}` : text, MAX_RULE_CHARS);
}
