// The answer to `zonegate-hello` (request-form.ts): an authenticated no-op that shows the primary's
// admin the whole chain works (key file, from=, command= path, gate, config) before the first push.
// It runs nothing: the key is admitted as for any request (known, not expired, from its addresses),
// the hello is audit-logged, and the reply goes to stdout (no rsync protocol runs on it here).
//
// The reply is line-based and versioned: `zonegate-hello 1`, then `NAME VALUE` lines, then `end`.
// Values come from the secondary's own config and checks, never from the client's input; a rule is
// one JSON object per line. What the primary does with it is in src/admin/doctor/hello-reply.ts.

import { existsSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyPolicy, Rule } from '../shared/policy/types.js';
import { HELLO_REPLY_END, HELLO_REPLY_HEADER } from './request-form.js';

export interface HelloFacts {
  key: KeyPolicy;
  fingerprint: string | undefined;
  client: string;
  ref: string;
}

/** One rule as the reply shows it: what `zonegate check` shows of the rule that would match. */
export function describeRule(rule: Rule, index: number): Record<string, unknown> {
  return {
    index,
    direction: rule.direction,
    root: rule.root,
    paths: rule.paths,
    delete: rule.delete,
    ...(rule.zoneSet ? { zoneSet: { name: rule.zoneSet.name, zones: rule.zoneSet.zones } } : {}),
  };
}

export function renderHelloReply(facts: HelloFacts, version: string): string {
  const lines = [
    HELLO_REPLY_HEADER,
    `gate ${version}`,
    `key ${facts.key.name}`,
    ...(facts.fingerprint === undefined ? [] : [`fingerprint ${facts.fingerprint}`]),
    `client ${facts.client}`,
    ...(facts.key.expiry === undefined ? [] : [`expiry ${facts.key.expiry}`]),
    `ref ${facts.ref}`,
    ...facts.key.rules.map((rule, index) => `rule ${JSON.stringify(describeRule(rule, index))}`),
    HELLO_REPLY_END,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The installed package's version, read only on this rare path: from the package.json above the
 * gate's entry (bin/gate.cjs, as command= names it), or "unknown".
 */
export function gateVersion(entry = process.argv[1]): string {
  try {
    if (entry === undefined) return 'unknown';
    let dir = dirname(realpathSync(entry));
    for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'zonegate' && typeof parsed.version === 'string' && /^[0-9A-Za-z.+-]{1,40}$/.test(parsed.version))
        return parsed.version;
    }
  } catch {
    // An unreadable manifest only costs the version in the reply.
  }
  return 'unknown';
}

export function writeHelloReply(facts: HelloFacts): void {
  writeSync(1, renderHelloReply(facts, gateVersion()));
}
