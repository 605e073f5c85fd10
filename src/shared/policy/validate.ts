// validatePolicy(): the top level and the gate section; each other section has its own module.
// It copies only known fields, so nothing unknown reaches the gate.

import { dirname } from 'node:path';
import { childPath, type JsonValue, type Position } from '../jsonc.js';
import { isInside } from '../trust.js';
import { GATE_DEFAULTS } from './defaults.js';
import { validateKey } from './keys.js';
import { validatePush } from './push.js';
import { validateTarget } from './targets.js';
import type { GateSettings, KeyPolicy, Policy, Target } from './types.js';
import { Validator } from './validator.js';

export function validatePolicy(value: JsonValue, source: string, positions: Map<string, Position> = new Map()): Policy {
  const v = new Validator(source, positions);
  const top = v.object(value, '', ['$schema', 'gate', 'keys', 'targets', 'push']);
  // "$schema" only tells an editor where schema/zonegate.schema.json is; zonegate ignores it.
  if (top['$schema'] !== undefined) v.string(top['$schema'], '$schema');
  const keys = new Map<string, KeyPolicy>();
  for (const [name, raw] of Object.entries(v.map(top['keys'], 'keys'))) {
    keys.set(name, validateKey(v, name, raw));
  }
  const targets = new Map<string, Target>();
  for (const [name, raw] of Object.entries(v.map(top['targets'], 'targets'))) {
    targets.set(name, validateTarget(v, name, raw, childPath('targets', name)));
  }
  const gate = validateGate(v, top['gate']);
  refuseGateDirsInsideRoots(v, gate, keys);
  return { source, gate, keys, targets, push: validatePush(v, top['push']) };
}

/**
 * attack: a log or state directory inside a rule's root lets the key download the capabilities cache,
 * flip it (hardening off) and upload it with an empty gate.log. The gate repeats this check on the
 * real paths (symlinks resolved) before it trusts either directory.
 */
function refuseGateDirsInsideRoots(v: Validator, gate: GateSettings, keys: Map<string, KeyPolicy>): void {
  const dirs = [
    { setting: 'gate.log', dir: dirname(gate.log) },
    { setting: 'gate.stateDir', dir: gate.stateDir },
  ];
  for (const key of keys.values()) {
    for (const [index, rule] of key.rules.entries()) {
      for (const { setting, dir } of dirs) {
        if (isInside(dir, rule.root))
          v.fail(
            setting,
            `${dir} lies inside ${childPath('keys', key.name)}.rules[${String(index)}].root (${rule.root}): that key could rewrite it`,
          );
      }
    }
  }
}

function validateGate(v: Validator, raw: JsonValue | undefined): GateSettings {
  const gate = raw === undefined ? {} : v.object(raw, 'gate', ['rsync', 'bwrap', 'log', 'sandbox', 'stateDir']);
  return {
    rsync: v.absolutePath(gate['rsync'], 'gate.rsync', GATE_DEFAULTS.rsync),
    bwrap: v.absolutePath(gate['bwrap'], 'gate.bwrap', GATE_DEFAULTS.bwrap),
    log: v.absolutePath(gate['log'], 'gate.log', GATE_DEFAULTS.log),
    sandbox: v.oneOf(gate['sandbox'], 'gate.sandbox', ['required', 'auto', 'off'] as const, GATE_DEFAULTS.sandbox),
    stateDir: v.absolutePath(gate['stateDir'], 'gate.stateDir', GATE_DEFAULTS.stateDir),
  };
}
