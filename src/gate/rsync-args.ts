// Tokens of `rsync --server [--sender] -<cluster>[e<caps>] [--long[=value] …] [--] . PATH…` ->
// RsyncRequest, and back to the argv the gate hands the real rsync. Every word must be understood
// (rsync-options.ts, rsync-short-options.ts); the rebuilt argv is ours, not the client's, with
// `--` before `.` because rsync obeys options that appear after the paths.
import { DeniedError, RequestError } from '../shared/errors.js';
import { LONG_OPTIONS, type LongOption, type OptionKind } from './rsync-options.js';
import { CAPABILITIES_RE, SHORT_OPTIONS, SHORT_WITH_VALUE } from './rsync-short-options.js';

export interface RsyncLongOption {
  name: string;
  value: string | undefined;
}

export interface RsyncRequest {
  direction: 'upload' | 'download';
  shortFlags: string;
  capabilities: string | undefined;
  longOptions: RsyncLongOption[];
  paths: string[];
  deletes: boolean;
  pathOptions: RsyncLongOption[];
}

type Direction = RsyncRequest['direction'];
type Draft = Omit<RsyncRequest, 'paths'>;

/** Client words end up in messages and logs: keep them short. */
function clip(word: string): string {
  const chars = Array.from(word); // never split a surrogate pair
  return chars.length > 64 ? `${chars.slice(0, 64).join('')}…` : word;
}

function bad(reason: string, message: string, option?: string): never {
  throw new RequestError(reason, message, option === undefined ? undefined : { details: { option: clip(option) } });
}

function refused(option: string, why: string): never {
  throw new DeniedError('option-refused', `option ${option} is not allowed: ${why}`, { details: { option } });
}

function accept(draft: Draft, option: string, kind: OptionKind, only: Direction | undefined, why?: string): void {
  if (kind === 'refuse') refused(option, why ?? 'refused');
  // The real client never sends it this way round: someone is typing the server argv by hand.
  if (only !== undefined && only !== draft.direction) {
    bad('option-wrong-direction', `option ${option} is not valid for a ${draft.direction}`, option);
  }
  if (kind === 'delete') draft.deletes = true;
}

/** A value as rsync would take it: the shape in full, and for integers rsync's own range. */
function validValue(entry: LongOption, value: string): boolean {
  if (entry.value === undefined || !entry.value.test(value)) return false;
  if (entry.range === undefined) return true;
  const number = Number(value);
  return number >= entry.range[0] && number <= entry.range[1];
}

/** Lexical confinement of a directory rsync resolves relative to the destination. */
function confineOptionPath(option: string, value: string): void {
  const segments = value.split('/');
  if (value.startsWith('/') || segments.includes('..')) {
    throw new DeniedError('path-option-outside', `option ${option} points outside the destination tree`, {
      details: { option },
    });
  }
  const inner = value.endsWith('/') ? segments.slice(0, -1) : segments;
  if (inner.some((segment) => segment === '' || segment === '.')) {
    bad('bad-value', `option ${option} needs a normalized relative path`, option);
  }
}

/** Parses the long option at tokens[index]; returns the index of the last word it used. */
function parseLong(tokens: readonly string[], index: number, draft: Draft): number {
  const body = (tokens[index] ?? '').slice(2);
  const eq = body.indexOf('=');
  const name = eq < 0 ? body : body.slice(0, eq);
  let value = eq < 0 ? undefined : body.slice(eq + 1);
  const option = `--${name}`;
  const entry = LONG_OPTIONS.get(name);
  if (entry === undefined) bad('unknown-option', `unknown option ${clip(option)}`, option);
  // A refused option with a malformed value is malformed first: the log then says which it was.
  if (entry.kind === 'refuse' && entry.value !== undefined && (value === undefined || !validValue(entry, value))) {
    bad('bad-value', `option ${option} has an invalid value`, option);
  }
  accept(draft, option, entry.kind, entry.only, entry.why);
  if (entry.value === undefined) {
    if (value !== undefined) bad('unexpected-value', `option ${option} takes no value`, option);
  } else {
    if (value === undefined) {
      const next = entry.split ? tokens[index + 1] : undefined;
      if (next === undefined) bad('missing-value', `option ${option} needs a value`, option);
      value = next;
      index += 1;
    }
    if (!validValue(entry, value)) bad('bad-value', `option ${option} has an invalid value`, option);
    if (entry.kind === 'path') confineOptionPath(option, value);
  }
  const parsed = { name, value };
  draft.longOptions.push(parsed);
  if (entry.kind === 'path') draft.pathOptions.push(parsed);
  return index;
}

/** Parses a short cluster such as `-vlogDtpre.iLsfxCIvu` or `-B2048`. */
function parseCluster(token: string, draft: Draft): void {
  const letters = Array.from(token.slice(1));
  if (letters.length === 0) bad('bad-cluster', 'a lone "-" is not an option');
  for (const [at, letter] of letters.entries()) {
    // Only computed where needed: slicing on every letter would be quadratic in a 64 KiB cluster.
    const restOf = (): string => letters.slice(at + 1).join('');
    if (letter === 'e') {
      const rest = restOf();
      // popt gives -e the rest of the word; empty, it would swallow the next word instead.
      if (draft.capabilities !== undefined) bad('bad-cluster', 'capabilities given twice');
      if (!CAPABILITIES_RE.test(rest)) bad('bad-capabilities', 'malformed protocol capabilities after -e');
      draft.capabilities = rest;
      return;
    }
    const longName = SHORT_WITH_VALUE.get(letter);
    if (longName !== undefined) {
      const rest = restOf();
      const entry = LONG_OPTIONS.get(longName);
      if (entry?.value === undefined) return bad('unknown-option', `unknown option -${letter}`, `-${letter}`);
      accept(draft, `-${letter}`, entry.kind, entry.only, entry.why);
      if (rest === '') bad('missing-value', `option -${letter} needs a value`, `-${letter}`);
      if (!validValue(entry, rest)) bad('bad-value', `option -${letter} has an invalid value`, `-${letter}`);
      draft.longOptions.push({ name: longName, value: rest });
      return;
    }
    const entry = SHORT_OPTIONS.get(letter);
    if (entry === undefined) bad('unknown-option', `unknown option -${letter}`, `-${letter}`);
    accept(draft, `-${letter}`, entry.kind, entry.only, entry.why);
    draft.shortFlags += letter;
  }
}

/** zlib's levels (-1 default, 0 off, 1..9) once the choice is known; zstd's and lz4's are the table's. */
function checkCompressLevel(options: readonly RsyncLongOption[]): void {
  const level = options.find((option) => option.name === 'compress-level');
  if (level === undefined) return;
  const zlib = options.some((option) => option.name === 'old-compress' || option.name === 'new-compress');
  // rsync would silently clamp 99 to 9: a level no sane client asks for is refused, not reinterpreted.
  if (zlib && (Number(level.value) < -1 || Number(level.value) > 9))
    bad('bad-value', 'option --compress-level is out of range for zlib', '--compress-level');
}

function checkPaths(paths: readonly string[], direction: Direction): void {
  if (paths.length === 0) bad('no-paths', 'no path given after "."');
  if (direction === 'upload' && paths.length > 1) bad('too-many-paths', 'an upload takes exactly one destination');
  for (const path of paths) {
    if (path === '') bad('empty-path', 'empty path');
    // rsync would obey it as an option; a real client sends "./-name" for such a file.
    if (path.startsWith('-')) bad('option-after-dot', `option-like word ${JSON.stringify(clip(path))} after the paths`);
  }
}

export function parseRsyncServerArgs(tokens: readonly string[]): RsyncRequest {
  if (tokens[0] !== 'rsync') bad('not-rsync', 'only "rsync --server" may run here');
  if (tokens[1] !== '--server') bad('not-server', 'only "rsync --server" may run here');
  const download = tokens[2] === '--sender';
  const draft: Draft = {
    direction: download ? 'download' : 'upload',
    shortFlags: '',
    capabilities: undefined,
    longOptions: [],
    deletes: false,
    pathOptions: [],
  };
  let index = download ? 3 : 2;
  for (; index < tokens.length; index += 1) {
    const token = tokens[index] ?? '';
    if (token === '.') break;
    // The client never sends `--` (it ends its options with "."), so one is someone else's shape.
    if (token === '--') bad('double-dash', '"--" is not part of what an rsync client sends', token);
    if (token === '--server' || token === '--sender') bad('misplaced-option', `${token} must come first`, token);
    if (token.startsWith('--')) index = parseLong(tokens, index, draft);
    else if (token.startsWith('-')) parseCluster(token, draft);
    else break;
  }
  if (tokens[index] !== '.') bad('missing-dot', 'expected "." before the paths');
  const paths = tokens.slice(index + 1);
  checkPaths(paths, draft.direction);
  checkCompressLevel(draft.longOptions);
  return { ...draft, paths };
}

export function buildRsyncArgv(request: RsyncRequest, paths: readonly string[], hardening: readonly string[]): string[] {
  const argv = ['--server'];
  if (request.direction === 'download') argv.push('--sender');
  const cluster = request.shortFlags + (request.capabilities === undefined ? '' : `e${request.capabilities}`);
  if (cluster !== '') argv.push(`-${cluster}`);
  for (const { name, value } of request.longOptions) argv.push(value === undefined ? `--${name}` : `--${name}=${value}`);
  for (const option of hardening) {
    // Programming error, not client input: the gate's own options must be plain long options.
    if (!/^--[A-Za-z0-9]/.test(option)) throw new Error(`hardening option ${JSON.stringify(option)} is not a long option`);
    argv.push(option);
  }
  checkPaths(paths, request.direction);
  argv.push('--', '.', ...paths);
  return argv;
}
