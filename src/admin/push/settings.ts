// The push runner's effective settings: the config's push section (or its defaults) with the
// command-line overrides on top. Kept apart from runner.ts so `zonegate status` can use it without
// loading the runner (and pino) on its start-up path.

import { join } from 'node:path';
import { PUSH_DEFAULTS } from '../../shared/policy/defaults.js';
import type { Policy, PushSettings } from '../../shared/policy/types.js';

export type PushOverrides = Partial<Pick<PushSettings, 'stateDir' | 'logDir' | 'lockFile' | 'concurrency'>>;

export function pushSettings(policy: Policy, overrides: PushOverrides): PushSettings & { lockFile: string } {
  const merged = { ...(policy.push ?? PUSH_DEFAULTS), ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  return { ...merged, lockFile: merged.lockFile ?? join(merged.stateDir, 'push.lock') };
}
