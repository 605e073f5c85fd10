// Oversized paths are refused before any glob matching (src/gate/rules.ts). picomatch is wrapped to
// count how often a matcher is built and run, so the test proves "not reached" without a clock.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RsyncRequest } from '../../src/gate/rsync-args.js';
import { decide, MAX_PATH_BYTES, MAX_PATH_SEGMENTS } from '../../src/gate/rules.js';
import type { KeyPolicy } from '../../src/shared/policy/types.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { outcome } from '../helpers/outcome.js';

const calls = vi.hoisted(() => ({ built: 0, matched: 0 }));

vi.mock('picomatch', async (importOriginal) => {
  const real = (await importOriginal<{ default: (patterns: string[], options: object) => (text: string) => boolean }>()).default;
  return {
    default: (patterns: string[], options: object) => {
      calls.built++;
      const matcher = real(patterns, options);
      return (text: string) => {
        calls.matched++;
        return matcher(text);
      };
    },
  };
});

const key: KeyPolicy = {
  name: 'ns1',
  publicKey: fakeEd25519PublicKey(),
  from: ['192.0.2.1'],
  rules: [{ direction: 'upload', root: '/srv/zones', paths: ['external/**', 'internal/**'], delete: false }],
};

function upload(path: string): RsyncRequest {
  return {
    direction: 'upload',
    shortFlags: 'logDtpr',
    capabilities: '.iLsfxCIvu',
    longOptions: [],
    paths: [path],
    deletes: false,
    pathOptions: [],
  };
}

beforeEach(() => {
  calls.built = 0;
  calls.matched = 0;
});

describe('path bounds', () => {
  // Attack: a 64 KB path (32,000 segments) made the gate glob-match every prefix: 12 s of CPU per connection.
  it.each([
    ['64 KB of a/a/a…', 'external/' + 'a/'.repeat(32 * 1024), 'path-too-long'],
    ['one byte over the limit', 'external/' + 'x'.repeat(MAX_PATH_BYTES - 'external/'.length + 1), 'path-too-long'],
    ['multi-byte characters counted as bytes', 'external/' + 'é'.repeat(MAX_PATH_BYTES / 2), 'path-too-long'],
    ['too many segments within the byte limit', 'external/' + 'a/'.repeat(MAX_PATH_SEGMENTS), 'path-too-deep'],
    ['too many empty segments', 'external' + '/'.repeat(MAX_PATH_SEGMENTS), 'path-too-deep'],
  ])('%s is refused before any matching', (_name, path, reason) => {
    expect(outcome(() => decide(upload(path), key))).toMatchObject({ kind: 'refused', reason, exitCode: 77 });
    expect(calls).toEqual({ built: 0, matched: 0 });
  });

  it('paths at the limits are matched as usual', () => {
    const deepest = 'external/' + Array.from({ length: MAX_PATH_SEGMENTS - 1 }, () => 'd').join('/');
    expect(deepest.split('/')).toHaveLength(MAX_PATH_SEGMENTS);
    expect(outcome(() => decide(upload(deepest), key))).toMatchObject({ kind: 'ok' });
    const longest = 'internal/' + 'x'.repeat(MAX_PATH_BYTES - 'internal/'.length);
    expect(Buffer.byteLength(longest)).toBe(MAX_PATH_BYTES);
    expect(outcome(() => decide(upload(longest), key))).toMatchObject({ kind: 'ok' });
    // Matching work stays linear in the segment count: at most one test per prefix.
    expect(calls.matched).toBeLessThanOrEqual(MAX_PATH_SEGMENTS + 2);
  });
});
