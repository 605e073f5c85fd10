// A parsed config for unit tests that need the gate's view of a few rules.
import { parsePolicy } from '../../src/shared/policy/load.js';
import type { Policy, ZoneSetSettings } from '../../src/shared/policy/types.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';

/** One key, ns1, allowed from 192.0.2.1, with `rules`; parsed (and checked) as the gate would. */
export function oneKeyPolicy(rules: readonly Record<string, unknown>[], source: string): Policy {
  return parsePolicy(JSON.stringify({ keys: { ns1: { publicKey: fakeEd25519PublicKey(), from: ['192.0.2.1'], rules } } }), source);
}

/** The settings of one zone set `x` (zones *.example) with `zoneSet` merged over the defaults. */
export function zoneSetSettings(zoneSet: Record<string, unknown> = {}): ZoneSetSettings {
  const rule = { direction: 'upload', root: '/srv/x', paths: ['**'], zoneSet: { name: 'x', zones: ['*.example'], ...zoneSet } };
  const settings = oneKeyPolicy([rule], 'c').keys.get('ns1')?.rules[0]?.zoneSet;
  if (settings === undefined) throw new Error('no zone set');
  return settings;
}
