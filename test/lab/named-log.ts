// named's output (-g: foreground, log to stderr). Tests keep it in memory from a pipe; benchmarks send
// it to a file instead: a full reload of 50,000 zones logs a line per zone, and a pipe the benchmark
// is not draining at that moment (it is busy in a synchronous step) would stall named and falsify
// the timings.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface NamedLog {
  /** Everything so far. */
  text(): string;
  /** How much there is so far (an offset for since()). */
  size(): number;
  /** What came after `offset`. */
  since(offset: number): string;
  /** The last `bytes` of it. */
  tail(bytes?: number): string;
  /** The log file, when it is one. */
  file?: string;
}

/** The last `bytes` of a file from `from` on, as text. */
function readRange(file: string, from: number, bytes: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - bytes);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function fileLog(file: string): NamedLog {
  return {
    file,
    text: () => (existsSync(file) ? readFileSync(file, 'utf8') : ''),
    size: () => (existsSync(file) ? statSync(file).size : 0),
    since: (offset) => readRange(file, offset, Number.MAX_SAFE_INTEGER),
    tail: (bytes = 64 * 1024) => readRange(file, 0, bytes),
  };
}

export function pipeLog(streams: readonly (Readable | null)[]): NamedLog {
  let output = '';
  for (const stream of streams) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => (output += chunk));
  }
  return {
    text: () => output,
    size: () => output.length,
    since: (offset) => output.slice(offset),
    tail: (bytes = 64 * 1024) => output.slice(-bytes),
  };
}
