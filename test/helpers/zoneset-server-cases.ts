// The zone-set fault cases BIND is held to (zoneset-named.test.ts, zoneset-failures.test.ts), run
// against a real NSD or Knot: real rsync through the built gate (fake-ssh transport, sandbox
// required, so the checker runs in bwrap), the server's own checker and control program, and dig
// for what it serves. Every refusal compares the live tree before and after and asks the server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabServer } from '../lab/dns-daemon.js';
import { fakeEd25519PublicKey, makeKeyPair } from '../lab/keys.js';
import { startSecondary } from '../lab/secondary.js';
import { liveZones, soaZone, zoneSource } from '../lab/zones.js';
import { FAKE_SSH, fakeSshEnv } from './gate.js';

export interface ServerCase {
  kind: 'nsd' | 'knot';
  start(includeFiles: string[]): Promise<LabServer>;
  /** What the zone set reports for a reconfigure (`nsd-control reconfig`, `knotc reload`). */
  reconfig: string;
  /** The reload commands it reports for `zones` changed (sorted). */
  reloads(zones: string[]): string[];
  /** What the checker says about `www IN A 999.0.0.1`. */
  badAddress: RegExp;
}

export function zoneSetServerCases(c: ServerCase): void {
  let server: LabServer;
  let base: string;
  let config: string;
  let log: string;
  const roots: Record<string, string> = {};
  const live = (name: string): Record<string, string> => liveZones(roots[name] ?? '');
  const listFile = (name: string): string => join(roots[name] ?? '', '.zonegate', `${c.kind}-zones.conf`);

  function push(name: string, dir: string): { status: number | null; stderr: string } {
    const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', '--delete', `${dir}/`, `secondary:${roots[name] ?? ''}/`], {
      env: fakeSshEnv(config, name),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stderr: result.stderr };
  }

  function lastFinished(name: string): Record<string, unknown> {
    const records = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return records.filter((record) => record['event'] === 'finished' && record['zoneSet'] === name).at(-1) ?? {};
  }

  const reloadsOf = (name: string): string[] => [...(lastFinished(name)['reload'] as string[])].sort();

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), `zonegate-zs-${c.kind}-`));
    for (const name of ['main', 'reject']) {
      roots[name] = join(base, name);
      mkdirSync(join(roots[name], '.zonegate'), { recursive: true });
    }
    server = await c.start(Object.keys(roots).map(listFile));
    log = join(base, 'gate.log');
    config = join(base, 'zonegate.conf');
    const keys: Record<string, unknown> = {};
    for (const [index, name] of Object.keys(roots).entries()) {
      const zoneSet: Record<string, unknown> = {
        name,
        server: c.kind,
        zones: ['*.example'],
        control: server.control,
        verify: { server: '127.0.0.1', port: server.port, timeoutSeconds: 3 },
        lockWaitSeconds: 30,
      };
      // Without a checker, only the server itself can reject a zone, after promotion.
      if (name === 'reject') zoneSet['checker'] = false;
      keys[name] = {
        publicKey: fakeEd25519PublicKey(index + 1),
        from: ['127.0.0.1'],
        rules: [{ direction: 'upload', root: roots[name], paths: ['**'], delete: true, zoneSet }],
      };
    }
    writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'required' }, keys }, null, 2), { mode: 0o600 });
    const first = push('reject', zoneSource({ 'reject.example': 1 }));
    if (first.status !== 0) throw new Error(`first push to reject failed: ${first.stderr}`);
  });

  afterAll(async () => {
    await server.stop();
  });

  describe(`zone sets served by a real ${c.kind}`, () => {
    it(`a first push adds the zones: the zone list is written, ${c.reconfig}, and ${c.kind} serves them`, async () => {
      const result = push('main', zoneSource({ 'a.example': 1, 'b.example': 1, 'c.example': 1, 'd.example': 1 }));
      expect(result.stderr).toMatch(/zone set main: release \S+ is live: 0 changed, 4 added, 0 removed/);
      expect(result.stderr).toContain('new serials verified');
      expect(result.status).toBe(0);
      expect(lastFinished('main')).toMatchObject({ outcome: 'promoted', reload: [c.reconfig] });
      expect(readFileSync(listFile('main'), 'utf8')).toContain(join(roots['main'] ?? '', 'current', 'db.d.example'));
      for (const zone of ['a', 'b', 'c', 'd']) expect(await server.serial(`${zone}.example`)).toBe(1);
    });

    it('a push of changed zones reloads only those, and the new serials are verified over DNS', async () => {
      const result = push('main', zoneSource({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('2 changed, 0 added, 0 removed');
      expect(result.stderr).toContain('new serials verified');
      expect(reloadsOf('main')).toEqual(c.reloads(['a.example', 'c.example']));
      expect(await server.serial('a.example')).toBe(2);
      expect(await server.serial('c.example')).toBe(5);
      expect(await server.serial('b.example')).toBe(1);
    });

    it(`refuses a broken zone with ${c.kind}'s checker: exit 80, live untouched, the old serial still served`, async () => {
      const before = live('main');
      const broken = `${soaZone('a.example', 3)}www IN A 999.0.0.1\n`;
      const result = push('main', zoneSource({ 'a.example': broken, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
      expect(result.status).toBe(80);
      expect(result.stderr).toMatch(/zone set main: push refused: zone a\.example \(db\.a\.example\) is invalid: /);
      expect(result.stderr).toMatch(c.badAddress);
      expect(live('main')).toEqual(before);
      expect(await server.serial('a.example')).toBe(2);
    });

    it.each([
      ['the same serial', 2],
      ['a backwards serial', 1],
    ])('refuses %s with exit 81 (the server itself would load it)', async (_name, serial) => {
      const before = live('main');
      const changed = soaZone('a.example', serial).replace('192.0.2', '198.51.100');
      const result = push('main', zoneSource({ 'a.example': changed, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
      expect(result.status).toBe(81);
      expect(result.stderr).toMatch(/zone a\.example: serial \d+ is not greater than the live 2/);
      expect(live('main')).toEqual(before);
      expect(await server.serial('a.example')).toBe(2);
    });

    it(`${c.kind} rejects a promoted zone: zonegate rolls back, exit 84, and the old serial is served again`, async () => {
      const before = live('reject');
      const broken = `${soaZone('reject.example', 2)}www IN A 999.0.0.1\n`;
      const result = push('reject', zoneSource({ 'reject.example': broken }));
      expect(result.status).toBe(84);
      expect(result.stderr).toMatch(/reject\.example.*; rolled back to release \S+/);
      expect(live('reject')).toEqual(before);
      // The rollback's reload is queued like any other: wait for the server to serve the old file.
      await server.waitForSerial('reject.example', 1);
      // And the next good push goes through.
      const next = push('reject', zoneSource({ 'reject.example': 3 }));
      expect(next.status).toBe(0);
      expect(await server.serial('reject.example')).toBe(3);
    });

    it(`refuses a file name carrying ${c.kind}.conf syntax: the zone list and the live tree stay as they were`, async () => {
      const before = live('main');
      const list = readFileSync(listFile('main'), 'utf8');
      const dir = zoneSource({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 });
      // attack: a pushed name that, written into the zone list, would add its own config statements.
      writeFileSync(join(dir, 'db.x.example"\ninclude: "shadow'), soaZone('x.example', 1));
      const result = push('main', dir);
      expect(result.status).toBe(86);
      expect(result.stderr).toContain('is not a regular file with a plain name');
      expect(readFileSync(listFile('main'), 'utf8')).toBe(list);
      expect(live('main')).toEqual(before);
      expect(await server.serial('a.example')).toBe(2);
    });

    it(`through a real sshd and the authorized_keys line zonegate installs: ${c.kind} serves the push, the default checker refuses a broken one`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `zonegate-sec-${c.kind}-`));
      const key = await makeKeyPair(dir, 'primary');
      // The zone set as a secondary's admin would write it: the server's default checker (sandboxed).
      const secondary = await startSecondary({
        name: c.kind,
        dir,
        clientKey: key.line,
        server: c.kind,
        sandbox: 'required',
        zoneSet: { checker: undefined },
      });
      try {
        const dns = secondary.dns;
        if (dns === undefined) throw new Error('the secondary has no server');
        const target = `${secondary.sshd.user}@127.0.0.1:${secondary.root}/`;
        const first = await secondary.sshd.rsync(key.privateKey, ['-rt', `${zoneSource({ 'p.example': 1, 'q.example': 1 })}/`, target]);
        expect(first.stderr).toMatch(/release \S+ is live: 0 changed, 2 added/);
        expect(first.exitCode).toBe(0);
        expect(await dns.serial('q.example')).toBe(1);
        const before = liveZones(secondary.root);
        const broken = await secondary.sshd.rsync(key.privateKey, [
          '-rt',
          `${zoneSource({ 'p.example': `${soaZone('p.example', 2)}www IN A 999.0.0.1\n`, 'q.example': 1 })}/`,
          target,
        ]);
        expect(broken.exitCode).toBe(80);
        expect(broken.stderr).toMatch(c.badAddress);
        expect(liveZones(secondary.root)).toEqual(before);
        expect(await dns.serial('p.example')).toBe(1);
      } finally {
        await secondary.stop();
      }
    });

    it(`a zone added then removed: each push has ${c.kind} read the zone list again`, async () => {
      const added = push('main', zoneSource({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1, 'e.example': 7 }));
      expect(added.status).toBe(0);
      expect(added.stderr).toContain('0 changed, 1 added, 0 removed');
      expect(reloadsOf('main')).toEqual([c.reconfig]);
      expect(await server.serial('e.example')).toBe(7);
      const removed = push('main', zoneSource({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
      expect(removed.status).toBe(0);
      expect(removed.stderr).toContain('0 changed, 0 added, 1 removed');
      expect(reloadsOf('main')).toEqual([c.reconfig]);
      expect(readFileSync(listFile('main'), 'utf8')).not.toContain('e.example');
      // A zone the server no longer has is answered without an SOA (REFUSED).
      await server.waitForSerial('e.example', undefined);
      expect(await server.serial('d.example')).toBe(1);
    });
  });
}
