// The block of authorized_keys that zonegate owns (pure). Everything outside the BEGIN/END markers
// belongs to someone else and is kept byte for byte, CRLF endings and a missing final newline
// included. A new block goes first in the file: sshd uses the first line that matches a key, so an
// older unrestricted line for the same key further down can no longer win.

import { ConfigError } from '../../shared/errors.js';
import { splitPublicKey } from '../../shared/public-key.js';
import type { KeyPolicy } from '../../shared/policy/types.js';

export const BEGIN_MARKER = '# BEGIN zonegate: managed by `zonegate authorized-keys --install`; lines up to END are rewritten';
export const END_MARKER = '# END zonegate';

export interface BlockLocation {
  /** Byte offsets of the block in the text, from the BEGIN line to the end of the END line. */
  start: number;
  end: number;
  /** The lines between the markers, without line endings. */
  lines: string[];
}

export interface Duplicate {
  key: string;
  /** 1-based line number in the file. */
  line: number;
  /** Whether the duplicate comes before our block, where sshd would use it instead of ours. */
  wins: boolean;
}

interface RawLine {
  text: string;
  start: number;
  end: number;
}

function splitLines(text: string): RawLine[] {
  const lines: RawLine[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    lines.push({ text: text.slice(start, end).replace(/\r?\n$/, ''), start, end });
    start = end;
  }
  return lines;
}

export function renderBlock(lines: readonly string[]): string {
  return [BEGIN_MARKER, ...lines, END_MARKER].map((line) => `${line}\n`).join('');
}

/** Finds our block; refuses a file with unbalanced or repeated markers rather than guess. */
export function locateBlock(text: string, file: string): BlockLocation | undefined {
  const lines = splitLines(text);
  const isBegin = (line: RawLine): boolean => line.text.trim().startsWith('# BEGIN zonegate');
  const isEnd = (line: RawLine): boolean => line.text.trim() === END_MARKER;
  const begins = lines.filter(isBegin);
  const ends = lines.filter(isEnd);
  if (begins.length === 0 && ends.length === 0) return undefined;
  const begin = begins[0];
  const end = ends[0];
  if (begins.length !== 1 || ends.length !== 1 || begin === undefined || end === undefined || end.start < begin.start) {
    throw new ConfigError(
      'authorized-keys-markers',
      `${file}: the zonegate block markers are damaged (${String(begins.length)} BEGIN, ${String(ends.length)} END lines); fix them by hand before --install`,
    );
  }
  const inner = lines.filter((line) => line.start > begin.start && line.start < end.start).map((line) => line.text);
  return { start: begin.start, end: end.end, lines: inner };
}

/** The new file contents: our block replaced in place, or put first when there was none. */
export function mergeBlock(text: string, block: string, file: string): string {
  const location = locateBlock(text, file);
  if (location === undefined) return block + text;
  const before = text.slice(0, location.start);
  // An END line that was the last line without a newline: keep the file ending as we found it.
  return before + block + text.slice(location.end);
}

/** Lines outside our block that carry one of our keys (with or without options before them). */
export function findDuplicates(text: string, keys: Iterable<KeyPolicy>, file: string): Duplicate[] {
  const location = locateBlock(text, file);
  const bodies = new Map<string, string>();
  for (const key of keys) {
    const body = splitPublicKey(key.publicKey)?.body;
    if (body !== undefined) bodies.set(body, key.name);
  }
  const duplicates: Duplicate[] = [];
  splitLines(text).forEach((line, index) => {
    if (location !== undefined && line.start >= location.start && line.start < location.end) return;
    if (line.text.trimStart().startsWith('#')) return;
    for (const token of line.text.split(/\s+/)) {
      const key = bodies.get(token);
      if (key !== undefined) duplicates.push({ key, line: index + 1, wins: location === undefined || line.start < location.start });
    }
  });
  return duplicates;
}

export interface Drift {
  missing: string[];
  unexpected: string[];
  blockFound: boolean;
}

/** What differs between the block in the file and the lines the config renders. */
export function diffBlock(text: string, expected: readonly string[], file: string): Drift {
  const location = locateBlock(text, file);
  const actual = location?.lines ?? [];
  return {
    missing: expected.filter((line) => !actual.includes(line)),
    unexpected: actual.filter((line) => !expected.includes(line)),
    blockFound: location !== undefined,
  };
}
