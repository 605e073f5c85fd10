// The audit log keeps one record per line for every reader, and keeps the bytes a client really
// sent when they are not UTF-8 (src/gate/audit-log.ts, src/gate/original-command.ts, check --replay).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../src/admin/check/replay.js';
import { escapeLineSeparators, isoTime, openAuditLog } from '../../src/gate/audit-log.js';
import { readOriginalCommandBytes } from '../../src/gate/original-command.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-audit-'));
const SEPARATORS = ['\u2028', '\u2029', '\u0085'];

describe('audit log lines', () => {
  // Attack: U+2028/U+2029/U+0085 in a client's command end the line for readers that split there
  // (JavaScript line readers, some log shippers), so the rest of a record reads as a forged record.
  it('escapes U+2028, U+2029 and U+0085 and keeps the value exact', () => {
    const file = join(dir, 'separators.log');
    const log = openAuditLog(file);
    const command = `rsync --server . external/a\u2028{"verdict":"allow"}\u2029b\u0085c\\\u2028`;
    log.write('info', { event: 'decision', command });
    log.close();
    const bytes = readFileSync(file);
    for (const separator of SEPARATORS) expect(bytes.includes(Buffer.from(separator))).toBe(false);
    const text = bytes.toString('utf8');
    expect(text.split(/\r\n|[\n\r\u2028\u2029\u0085]/)).toEqual([expect.any(String), '']);
    expect((JSON.parse(text) as { command: string }).command).toBe(command);
  });

  it('leaves other text alone', () => {
    expect(escapeLineSeparators('{"a":"é ⅋ \\u0000"}')).toBe('{"a":"é ⅋ \\u0000"}');
  });
});

describe('readOriginalCommandBytes', () => {
  const environ = (entries: Buffer[]): string => {
    const file = join(dir, `environ-${String(Math.random()).slice(2)}`);
    writeFileSync(file, Buffer.concat(entries.flatMap((entry) => [entry, Buffer.from([0])])));
    return file;
  };
  const invalid = Buffer.concat([Buffer.from('rsync --server . external/a'), Buffer.from([0xff, 0xe2, 0x80]), Buffer.from('b')]);

  it('returns the raw bytes when they are not UTF-8', () => {
    const file = environ([Buffer.from('PATH=/bin'), Buffer.concat([Buffer.from('SSH_ORIGINAL_COMMAND='), invalid]), Buffer.from('X=1')]);
    expect(readOriginalCommandBytes(invalid.toString('utf8'), file)).toEqual(invalid);
  });

  it('does not read the file when the decoded text has no U+FFFD', () => {
    expect(readOriginalCommandBytes('rsync --server . external/', join(dir, 'missing'))).toBeUndefined();
    expect(readOriginalCommandBytes(undefined, join(dir, 'missing'))).toBeUndefined();
  });

  it('returns nothing for a U+FFFD the client sent as valid UTF-8', () => {
    const valid = Buffer.from('rsync --server . external/\uFFFD');
    const file = environ([Buffer.concat([Buffer.from('SSH_ORIGINAL_COMMAND='), valid])]);
    expect(readOriginalCommandBytes(valid.toString('utf8'), file)).toBeUndefined();
  });
});

describe('check --replay uses the logged bytes', () => {
  it('replays commandBase64, not the lossy text beside it', () => {
    const root = join(dir, 'zones');
    const policy = parsePolicy(
      JSON.stringify({
        keys: { ns1: { publicKey: fakeEd25519PublicKey(), from: ['127.0.0.1'], rules: [{ direction: 'upload', root, paths: ['**'] }] } },
      }),
      'test.conf',
    );
    const bytes = Buffer.concat([Buffer.from('rsync --server -logDtpre.iLsfxCIvu . x'), Buffer.from([0xff])]);
    // The text says an allowed command; the bytes are what the gate really decided on.
    const record = {
      event: 'decision',
      verdict: 'allow',
      ref: 'abc123',
      key: 'ns1',
      client: '127.0.0.1',
      command: 'rsync --server -logDtpre.iLsfxCIvu . x',
      commandBase64: bytes.toString('base64'),
    };
    const file = join(dir, 'replay.log');
    writeFileSync(file, `${JSON.stringify(record)}\n`);
    const report = replayLog(policy, file);
    expect(report.replayed).toBe(1);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({ ref: 'abc123', before: 'allow', after: { verdict: 'deny', reason: 'invalid-utf8' } });
  });
});

describe('isoTime (the record time, formatted without toISOString on the way)', () => {
  it.each([
    0,
    Date.UTC(2026, 10, 26, 2, 3, 4, 5),
    Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10000, 0, 1),
    Date.UTC(-1, 0, 1),
    Date.UTC(0, 0, 1) - 1,
  ])('%d reads as toISOString() writes it', (time) => {
    const date = new Date(time);
    expect(isoTime(date)).toBe(date.toISOString());
  });

  it('agrees with toISOString() on any valid time', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (time) => {
        const date = new Date(time);
        expect(isoTime(date)).toBe(date.toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('throws on an invalid date, as toISOString() does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
