// `zonegate log`: the gate's audit log (and its newest rotation) and the push runs' event files,
// merged by time and filtered, so "what happened last night" needs no jq. Lines that are not JSON
// records (a torn line, a foreign file) are skipped: this is a reader, not a validator.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_LOG_PATTERN } from '../push/run-log.js';

export type LogRecord = Record<string, unknown> & { time: string };

export interface LogFilter {
  sinceMs: number;
  key: string | undefined;
  zoneSet: string | undefined;
  outcome: string | undefined;
}

export interface LogSources {
  gateLog: string | undefined;
  pushLogDir: string | undefined;
}

function readRecords(file: string): LogRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as unknown;
      if (typeof record === 'object' && record !== null && typeof (record as { time?: unknown }).time === 'string')
        records.push(record as LogRecord);
    } catch {
      // A torn or foreign line: not a record.
    }
  }
  return records;
}

export function logFiles(sources: LogSources): string[] {
  const files: string[] = [];
  if (sources.gateLog !== undefined) files.push(...[`${sources.gateLog}.1`, sources.gateLog].filter((file) => existsSync(file)));
  if (sources.pushLogDir !== undefined && existsSync(sources.pushLogDir)) {
    for (const name of readdirSync(sources.pushLogDir).sort())
      if (RUN_LOG_PATTERN.exec(name)?.[2] === 'jsonl') files.push(join(sources.pushLogDir, name));
  }
  return files;
}

/** Whether a record's outcome words (verdict, outcome, target kind) include `wanted`. */
function outcomeOf(record: LogRecord): string[] {
  return ['verdict', 'outcome', 'kind'].flatMap((field) => (typeof record[field] === 'string' ? [record[field]] : []));
}

export function matches(record: LogRecord, filter: LogFilter): boolean {
  const time = Date.parse(record.time);
  if (!Number.isFinite(time) || time < filter.sinceMs) return false;
  if (filter.key !== undefined && record['key'] !== filter.key && record['target'] !== filter.key) return false;
  if (filter.zoneSet !== undefined && record['zoneSet'] !== filter.zoneSet) return false;
  if (filter.outcome !== undefined && !outcomeOf(record).includes(filter.outcome)) return false;
  return true;
}

export function readLogs(sources: LogSources, filter: LogFilter): LogRecord[] {
  return logFiles(sources)
    .flatMap(readRecords)
    .filter((record) => matches(record, filter))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 30: 'info', 40: 'warn', 50: 'error' };

/** One line per record for people: time, component, level, then its `msg` (escaped: it is data). */
export function renderRecord(record: LogRecord): string {
  const level = typeof record['level'] === 'number' ? (LEVEL_NAMES[record['level']] ?? String(record['level'])) : '?';
  const component = typeof record['component'] === 'string' ? record['component'] : '?';
  const msg = typeof record['msg'] === 'string' ? record['msg'] : (JSON.stringify(record['event']) ?? '(no msg)');
  // A log line from the other side must not drive the terminal: escape control characters.
  const safe = msg.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${record.time} ${component} ${level} ${safe}`;
}
