// The zone checker reads client-supplied files, so the gate runs it in the same bubblewrap sandbox
// as rsync: it sees the staged zone set read-only and not the rest of the host.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_SSH, fakeSshEnv } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { soaZone } from '../lab/zones.js';

function setUp(sandbox: 'required' | 'off'): { config: string; root: string; source: string } {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-ckz-'));
  const root = join(base, 'zones');
  mkdirSync(root);
  // A stand-in checker that fails when it can see a host file outside the zone set (the config
  // beside it), cannot read its zone, or could write it.
  const checker = join(base, 'checker');
  writeFileSync(
    checker,
    `#!/bin/sh\nif [ -e ${join(base, 'zonegate.conf')} ]; then echo "checker sees the host's files"; exit 1; fi\n` +
      `if ! grep -q SOA "$2"; then echo "cannot read $2"; exit 1; fi\n` +
      `if [ -w "$2" ]; then echo "can write $2"; exit 1; fi\necho "zone $1/IN: loaded serial 7"\n`,
    { mode: 0o755 },
  );
  const config = join(base, 'zonegate.conf');
  const rule = {
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    zoneSet: { name: 'ckz', zones: ['example.org'], checker: [checker], rndc: false, verify: false },
  };
  writeFileSync(
    config,
    JSON.stringify({
      gate: { log: join(base, 'gate.log'), sandbox },
      keys: { ns1: { publicKey: fakeEd25519PublicKey(), from: ['127.0.0.1'], rules: [rule] } },
    }),
    { mode: 0o600 },
  );
  const source = join(base, 'source');
  mkdirSync(source);
  writeFileSync(join(source, 'db.example.org'), soaZone('example.org', 7));
  return { config, root, source };
}

function push(world: { config: string; root: string; source: string }): { status: number | null; stderr: string } {
  const env = fakeSshEnv(world.config, 'ns1');
  const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', `${world.source}/`, `secondary:${world.root}/`], { env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('the zone checker sandbox', () => {
  it('runs the checker where it sees only the staged zones, read-only', () => {
    // attack: a zone file crafted to exploit the checker's parser; in the sandbox it reaches nothing.
    const result = push(setUp('required'));
    expect(result.stderr).toMatch(/release \S+ is live/);
    expect(result.status).toBe(0);
  });

  it('the same checker without the sandbox sees the host (so the test above can fail)', () => {
    const result = push(setUp('off'));
    expect(result.status).toBe(80);
    expect(result.stderr).toContain("checker sees the host's files");
  });

  it('refuses a zone set whose directory does not exist, and creates nothing', () => {
    // accident: a typo in the root; the gate must not build a new, unserved tree elsewhere.
    const world = setUp('off');
    rmSync(world.root, { recursive: true });
    const result = push(world);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/zonegate: denied: the zone set ckz has no directory/);
    expect(existsSync(world.root)).toBe(false);
  });
});
