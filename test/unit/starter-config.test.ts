import { describe, expect, it } from 'vitest';
import { renderStarterConfig } from '../../src/admin/init/starter-config.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { KEY_A } from '../fixtures/public-keys.js';

/** What an admin does with the example: drop the leading "// " of the commented block. */
function uncommentExample(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes('Example: remove the leading'));
  const body = lines.slice(start + 1);
  const end = body.findIndex((line) => !/^\s*\/\/ /.test(line));
  const uncommented = body.slice(0, end).map((line) => line.replace(/^(\s*)\/\/ /, '$1'));
  return [...lines.slice(0, start + 1), ...uncommented, ...body.slice(end)].join('\n');
}

describe('starter configs', () => {
  it.each(['primary', 'secondary'] as const)('the %s starter is a valid config as written', async (role) => {
    const policy = parsePolicy(await renderStarterConfig(role), role);
    expect(policy.keys.size + policy.targets.size).toBe(0);
  });

  it('the primary example, uncommented, is a valid target', async () => {
    const policy = parsePolicy(uncommentExample(await renderStarterConfig('primary')), 'primary');
    expect(policy.targets.get('ns2')).toMatchObject({
      host: 'ns2.example.net',
      port: 22,
      user: 'bind',
      delete: false,
      zoneFile: 'db.{zone}',
      verify: { server: '192.0.2.53', port: 53, source: '192.0.2.10', tsigKeyFile: undefined, timeoutSeconds: 2 },
    });
  });

  it('the secondary example, uncommented with a real key, is a valid key', async () => {
    const text = uncommentExample(await renderStarterConfig('secondary')).replace('ssh-ed25519 AAAA… zonegate:ns2@ns1', KEY_A);
    const policy = parsePolicy(text, 'secondary');
    expect(policy.keys.get('ns1-push')).toMatchObject({ from: ['192.0.2.10', '2001:db8::10'], expiry: '20301231' });
    expect(policy.keys.get('ns1-push')?.rules[1]?.zoneSet).toMatchObject({
      name: 'external',
      zones: ['example.com', '*.example.net'],
      limits: { generateRange: 0, checkerConcurrency: 2 },
      view: 'external',
      zoneFile: 'db.{zone}',
      server: 'bind',
      control: ['/usr/sbin/rndc'],
      keep: 5,
    });
  });

  it('explains every field it shows with a comment on the line before', async () => {
    let checked = 0;
    for (const role of ['primary', 'secondary'] as const) {
      const lines = (await renderStarterConfig(role)).split('\n');
      lines.forEach((line, index) => {
        const field = /^\s*(?:\/\/ )?\s*"(\w+)": (?:"|\d|\[|true|false)/.exec(line);
        if (!field) return;
        checked += 1;
        expect(lines[index - 1], `${role}: ${String(field[1])}`).toMatch(/^\s*\/\/\s*(\/\/ )?[A-Z"a-z(]/);
      });
    }
    expect(checked).toBe(43);
  });
});
