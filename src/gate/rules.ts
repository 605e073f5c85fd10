// RsyncRequest + key policy -> Decision. Pure: this is the lexical half of confinement (no `..`,
// nothing outside the rule's root or its trees); confine.ts does the real-filesystem half.

import { Buffer } from 'node:buffer';
import picomatch from 'picomatch';
import { DeniedError } from '../shared/errors.js';
import type { KeyPolicy, Rule } from '../shared/policy/types.js';
import type { RsyncRequest } from './rsync-args.js';

/** Linux's PATH_MAX: the kernel refuses longer paths (ENAMETOOLONG), so rsync could not use one anyway. */
export const MAX_PATH_BYTES = 4096;

/**
 * Deeper than any zone or backup tree needs. Matching tries every ancestor of a path (segments × length),
 * so this bound, with MAX_PATH_BYTES, caps the work per path at 64 prefixes of at most 4 KB.
 */
export const MAX_PATH_SEGMENTS = 64;

export interface RulePath {
  /** The path relative to the rule's root, normalized: '' is the root itself. */
  relative: string;
  /** The operand handed to rsync (relative to the root, which is rsync's cwd). */
  operand: string;
}

export interface Decision {
  rule: Rule;
  /** Index of the rule within the key's rules, for the log. */
  ruleIndex: number;
  paths: RulePath[];
}

/** Splits a client path into root-relative segments, or says why it cannot be inside `root`. */
export function relativeToRoot(path: string, root: string): { segments: string[]; operand: string } | string {
  let rest = path;
  if (path.startsWith('/')) {
    if (path !== root && !path.startsWith(`${root}/`)) return 'outside-root';
    rest = path.slice(root.length).replace(/^\/+/, '');
  }
  const segments = rest.split('/').filter((part) => part !== '' && part !== '.');
  // attack: `..` climbs out of the tree; refused even when it would land back inside.
  if (segments.includes('..')) return 'dotdot';
  return { segments, operand: rest === '' ? '.' : rest };
}

/** Whether a root-relative path lies in one of the rule's trees (the path or an ancestor matches). */
export function isInTrees(relative: string, patterns: readonly string[]): boolean {
  if (patterns.includes('.') || patterns.includes('**')) return true;
  if (relative === '') return false;
  const matches = picomatch(patterns as string[], { dot: true });
  const segments = relative.split('/');
  for (let length = segments.length; length > 0; length--) {
    if (matches(segments.slice(0, length).join('/'))) return true;
  }
  return false;
}

function tryRule(request: RsyncRequest, rule: Rule): RulePath[] | string {
  if (rule.direction !== request.direction) return 'wrong-direction';
  if (request.deletes && !rule.delete) return 'delete-not-allowed';
  const paths: RulePath[] = [];
  for (const path of request.paths) {
    const split = relativeToRoot(path, rule.root);
    if (typeof split === 'string') return split === 'dotdot' ? 'path-dotdot' : 'path-outside-root';
    const relative = split.segments.join('/');
    if (!isInTrees(relative, rule.paths)) return 'path-not-allowed';
    paths.push({ relative, operand: split.operand });
  }
  return paths;
}

const REASON_TEXT: Record<string, string> = {
  'wrong-direction': 'this key may not {direction}',
  'delete-not-allowed': 'deleting files is not allowed for this key',
  'path-dotdot': 'paths with ".." are refused',
  'path-outside-root': 'path is outside the allowed tree',
  'path-not-allowed': 'path is outside the allowed tree',
};

// The most telling reason wins when no rule allows the request: a path problem says more than
// "wrong direction" from a rule that was never meant for this request.
const REASON_RANK = ['wrong-direction', 'delete-not-allowed', 'path-outside-root', 'path-not-allowed', 'path-dotdot'];

/**
 * attack: a 64 KB path of 32,000 segments cost 12 s of CPU in the prefix-by-prefix glob matching
 * before it was refused. Oversized paths are refused before any rule or pattern sees them.
 */
function refuseOversizedPaths(paths: readonly string[]): void {
  for (const path of paths) {
    const bytes = Buffer.byteLength(path, 'utf8');
    if (bytes > MAX_PATH_BYTES) {
      throw new DeniedError('path-too-long', `a path is ${String(bytes)} bytes long; the limit is ${String(MAX_PATH_BYTES)}`);
    }
    const segments = path.split('/').length;
    if (segments > MAX_PATH_SEGMENTS) {
      throw new DeniedError('path-too-deep', `a path has ${String(segments)} segments; the limit is ${String(MAX_PATH_SEGMENTS)}`);
    }
  }
}

/** The first rule that allows the whole request, or a DeniedError saying why none does. */
export function decide(request: RsyncRequest, key: KeyPolicy): Decision {
  refuseOversizedPaths(request.paths);
  let best = 'wrong-direction';
  for (const [ruleIndex, rule] of key.rules.entries()) {
    const outcome = tryRule(request, rule);
    if (typeof outcome !== 'string') return { rule, ruleIndex, paths: outcome };
    if (REASON_RANK.indexOf(outcome) > REASON_RANK.indexOf(best)) best = outcome;
  }
  const verb = request.direction === 'upload' ? 'upload (push) here' : 'download (pull) from here';
  const text = (REASON_TEXT[best] ?? best).replace('{direction}', verb);
  const detail = best.startsWith('path') ? `: ${request.paths.map((p) => JSON.stringify(p)).join(' ')}` : '';
  throw new DeniedError(best, `${text}${detail}`);
}
