// validatePolicy(): the top level and the gate section; each other section has its own module.
// It copies only known fields, so nothing unknown reaches the gate.

import { childPath, type JsonValue, type Position } from '../jsonc.js';
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
  return { source, gate: validateGate(v, top['gate']), keys, targets, push: validatePush(v, top['push']) };
}

function validateGate(v: Validator, raw: JsonValue | undefined): GateSettings {
  const gate = raw === undefined ? {} : v.object(raw, 'gate', ['rsync', 'bwrap', 'log', 'sandbox']);
  return {
    rsync: v.absolutePath(gate['rsync'], 'gate.rsync', GATE_DEFAULTS.rsync),
    bwrap: v.absolutePath(gate['bwrap'], 'gate.bwrap', GATE_DEFAULTS.bwrap),
    log: v.absolutePath(gate['log'], 'gate.log', GATE_DEFAULTS.log),
    sandbox: v.oneOf(gate['sandbox'], 'gate.sandbox', ['required', 'auto', 'off'] as const, GATE_DEFAULTS.sandbox),
  };
}
