// Property tests over the whole decision (tokenizer -> parser -> rules), the property that matters:
// whatever the client sends, an allowed request never names a path outside the rule's root and
// trees, and a refusal is always a typed GateError.
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate.js';
import { isInTrees } from '../../src/gate/rules.js';
import { isGateError } from '../../src/shared/errors.js';
import { oneKeyPolicy } from '../helpers/policy.js';

const ROOT = '/srv/zones';
const policy = oneKeyPolicy(
  [
    { direction: 'upload', root: ROOT, paths: ['external/**', 'views/*'], delete: true },
    { direction: 'download', root: ROOT, paths: ['external/**'] },
  ],
  'property.conf',
);

// Path segments an attacker would try, beside ordinary ones.
const segment = fc.constantFrom(
  'external',
  'internal',
  'views',
  'ext',
  'a',
  '.',
  '..',
  '...',
  '',
  '.hidden',
  'external..',
  '*',
  '~',
  '-x',
  'é',
  'a b',
  'a\\b',
  '%2e%2e',
);
const path = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 0, maxLength: 6 }), fc.boolean())
  .map(([absolute, parts, slash]) => `${absolute ? `${ROOT}/` : ''}${parts.join('/')}${slash ? '/' : ''}`);

/** What the rsync client does to a remote path: backslash-escape shell-special characters. */
function escapeLikeRsync(text: string): string {
  return text.replace(/[\s!#$&;|<>(){}"'`\\*?[\]~]/g, (char) => `\\${char}`);
}

const command = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom('-logDtpre.iLsfxCIvu', '-vlogDtprze.iLsfxCIvu', '-nlogDtpre.iLsfxCIvu'),
    fc.array(fc.constantFrom('--delete', '--partial-dir=.p', '--delay-updates', '--inplace'), { maxLength: 2 }),
    fc.array(path, { minLength: 1, maxLength: 3 }),
  )
  .map(([sender, cluster, options, paths]) =>
    [
      `rsync --server${sender ? ' --sender' : ''}`,
      cluster,
      ...options,
      '.',
      ...(sender ? paths : paths.slice(0, 1)).map(escapeLikeRsync),
    ].join(' '),
  );

describe('decision properties', () => {
  it('an allowed request only ever names paths inside the rule root and its trees', () => {
    fc.assert(
      fc.property(command, (text) => {
        let evaluation;
        try {
          evaluation = evaluate(policy, { keyName: 'ns1', client: '192.0.2.1', command: text });
        } catch (error) {
          expect(isGateError(error), String(error)).toBe(true);
          return;
        }
        const { rule, paths } = evaluation.decision;
        for (const { relative, operand } of paths) {
          expect(relative.split('/')).not.toContain('..');
          expect(isInTrees(relative, rule.paths)).toBe(true);
          // What rsync would open: the operand resolved against the root (its cwd).
          const resolved = posix.normalize(posix.join(rule.root, operand));
          expect(resolved === rule.root || resolved.startsWith(`${rule.root}/`)).toBe(true);
          expect(resolved === rule.root ? '' : resolved.slice(rule.root.length + 1).replace(/\/$/, '')).toBe(relative);
        }
        if (evaluation.request.deletes) expect(rule.delete).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('allows something: the property above is not vacuous', () => {
    const allowed = fc.sample(command, 3000).filter((text) => {
      try {
        evaluate(policy, { keyName: 'ns1', client: '192.0.2.1', command: text });
        return true;
      } catch {
        return false;
      }
    });
    expect(allowed.length).toBeGreaterThan(50);
  });

  it('a client outside the from list is never allowed, whatever the command', () => {
    fc.assert(
      fc.property(command, fc.ipV4(), (text, client) => {
        fc.pre(client !== '192.0.2.1');
        expect(() => evaluate(policy, { keyName: 'ns1', client, command: text })).toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
