// Editor and backup files beside the zones on the primary (`db.example.com~`, `.bak`, `.swp`…):
// never sent, never validated. rsync gets one --exclude per pattern; local validation skips the same
// names (picomatch on the file name, which agrees with rsync for these braceless, slashless globs).

import picomatch from 'picomatch';
import type { PushSettings, Target } from '../../shared/policy/types.js';

/** The target's own `--exclude=` patterns from rsyncOptions. */
function targetExcludes(target: Target): string[] {
  return (target.rsyncOptions ?? []).filter((option) => option.startsWith('--exclude=')).map((option) => option.slice('--exclude='.length));
}

/** Every pattern a target's push leaves out: push.skipPatterns, then the target's --exclude options. */
export function skippedPatterns(target: Target, settings: Pick<PushSettings, 'skipPatterns'>): string[] {
  return [...settings.skipPatterns, ...targetExcludes(target)];
}

/** The rsync options for push.skipPatterns (the target's own excludes are in its rsyncOptions already). */
export function skipOptions(settings: Pick<PushSettings, 'skipPatterns'>): string[] {
  return settings.skipPatterns.map((pattern) => `--exclude=${pattern}`);
}

/** Whether a file name in the source is left out. */
export function skipMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const match = picomatch([...patterns], { dot: true });
  return (name) => match(name);
}
