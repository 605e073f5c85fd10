// Proves the real-BIND harness and pins down the BIND behaviour the zone-set promote relies on:
// what `rndc` says and exits with, and what named then really serves.

import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startNamed, type Named } from '../lab/named.js';
import { bindTool } from '../lab/tools.js';
import { soaZone } from '../lab/zones.js';

/** Writes a zone file with a fresh mtime: now, later than any file named loaded before this test. */
function publish(file: string, text: string): void {
  writeFileSync(file, text);
  const now = new Date();
  utimesSync(file, now, now);
}

describe('soaZone and bindTool', () => {
  it('soaZone renders a zone named-checkzone accepts with the given serial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-soa-'));
    try {
      const file = join(dir, 'z.db');
      writeFileSync(file, soaZone('example.test', 2024010101, 'mail IN A 192.0.2.200'));
      const result = await execa(bindTool('named-checkzone'), ['example.test', file], { reject: false });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/loaded serial 2024010101\nOK/);
      writeFileSync(file, soaZone('example.test', 1, 'www IN A 999.0.0.1'));
      const broken = await execa(bindTool('named-checkzone'), ['example.test', file], { reject: false });
      expect(broken.exitCode).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing BIND program fails with the install line, never a skip', () => {
    expect(() => bindTool('named-that-is-not-installed')).toThrow(/apt-get install -y bind9 bind9-utils bind9-dnsutils/);
  });
});

describe('named without views', () => {
  let zones: string;
  let named: Named | undefined;

  beforeAll(() => {
    zones = mkdtempSync(join(tmpdir(), 'zonegate-zones-'));
  });
  afterAll(async () => {
    await named?.stop();
    await rm(zones, { recursive: true, force: true });
  });

  it('starts, serves the zone, stops and removes its dir', async () => {
    const file = join(zones, 'solo.test.db');
    writeFileSync(file, soaZone('solo.test', 42));
    named = await startNamed({ zones: [{ name: 'solo.test', file }] });
    expect(await named.serial('solo.test')).toBe(42);
    expect(await named.serial('unknown.test')).toBeUndefined();
    expect(() => named?.digArgs('a')).toThrow(/no views/);
    const status = await named.rndc(['status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/server is up and running/);
    const dir = named.dir;
    await named.stop();
    named = undefined;
    expect(() => statSync(dir)).toThrow(/ENOENT/);
  });

  it('fails with named\u2019s own output when named exits early', async () => {
    const include = join(zones, 'garbage.conf');
    writeFileSync(include, 'zone "x.test" { type primary; file ');
    await expect(startNamed({ zones: [], includeFiles: [{ path: include }] })).rejects.toThrow(
      /named exited before it was ready[\s\S]*unexpected token[\s\S]*exiting \(due to fatal error\)/,
    );
  });
});

describe('named with two views', () => {
  let zones: string;
  let named: Named;
  const file = (name: string): string => join(zones, name);

  beforeAll(async () => {
    zones = mkdtempSync(join(tmpdir(), 'zonegate-zones-'));
    writeFileSync(file('a.example.db'), soaZone('example.test', 10));
    writeFileSync(file('b.example.db'), soaZone('example.test', 20));
    writeFileSync(file('mtime.db'), soaZone('mtime.test', 100));
    writeFileSync(file('broken.db'), soaZone('broken.test', 100));
    writeFileSync(file('backwards.db'), soaZone('backwards.test', 100));
    // Loaded with an old mtime so a later "older than now but newer than the file" mtime exists.
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(file('mtime.db'), old, old);
    named = await startNamed({
      views: [
        { name: 'a', client: '127.0.0.1' },
        { name: 'b', client: '127.0.0.2' },
      ],
      zones: [
        { name: 'example.test', file: file('a.example.db'), view: 'a' },
        { name: 'example.test', file: file('b.example.db'), view: 'b' },
        { name: 'mtime.test', file: file('mtime.db'), view: 'a' },
        { name: 'broken.test', file: file('broken.db'), view: 'a' },
        { name: 'backwards.test', file: file('backwards.db'), view: 'a' },
      ],
      includeFiles: [{ view: 'b', path: file('zones-b.conf') }],
    });
  });
  afterAll(async () => {
    await named.stop();
    await rm(zones, { recursive: true, force: true });
  });

  it('serves each view its own file for the same zone name', async () => {
    expect(await named.serial('example.test', { view: 'a' })).toBe(10);
    expect(await named.serial('example.test', { view: 'b' })).toBe(20);
    // Views are exclusive: a zone only in view a is REFUSED in view b.
    expect(await named.serial('mtime.test', { view: 'a' })).toBe(100);
    expect(await named.serial('mtime.test', { view: 'b' })).toBeUndefined();
    expect(named.rndcArgs).toEqual(['-c', named.rndcConf]);
  });

  it('a wait that can never end fails naming what it waited for, what named serves, and its log', async () => {
    // mtime.test is only in view a: view b never serves it, whatever the wait.
    await expect(named.waitForSerial('mtime.test', 100, { view: 'b', timeoutMs: 200 })).rejects.toThrow(
      /still waiting for mtime\.test \(view b\) to serve serial 100 .*\(it serves undefined\); log tail:\n/s,
    );
    await expect(named.waitForLog(/this line is never logged/, { timeoutMs: 200 })).rejects.toThrow(
      /still waiting for named's log to match \/this line is never logged\/ .*; log tail:\n/s,
    );
    // And a wait for what is there ends with it.
    await named.waitForSerial('mtime.test', 100, { view: 'a' });
    expect(await named.waitForLog(/running/)).toBe('running');
  });

  it('fact 4: a zone in two views needs "IN view" on rndc reload', async () => {
    publish(file('b.example.db'), soaZone('example.test', 21));

    const bare = await named.rndc(['reload', 'example.test']);
    expect(bare.exitCode).toBe(1);
    expect(bare.stderr).toBe("rndc: 'reload' failed: multiple\nzone 'example.test' was found in multiple views");
    expect(bare.stdout).toBe('');

    const viewed = await named.rndc(['reload', 'example.test', 'IN', 'b']);
    expect(viewed).toEqual({
      exitCode: 0,
      stdout: 'zone reload queued',
      stderr: '',
    });
    await named.waitForSerial('example.test', 21, { view: 'b' });
    expect(await named.serial('example.test', { view: 'a' })).toBe(10);

    // Nothing changed on disk: named says so and does not reload.
    const again = await named.rndc(['reload', 'example.test', 'IN', 'b']);
    expect(again).toEqual({
      exitCode: 0,
      stdout: 'zone reload up-to-date',
      stderr: '',
    });
  });

  it('fact 1: a changed file whose mtime is not newer than the loaded file is not reloaded', async () => {
    const path = file('mtime.db');
    const loaded = statSync(path).mtime;
    writeFileSync(path, soaZone('mtime.test', 101));
    utimesSync(path, loaded, loaded);

    const same = await named.rndc(['reload', 'mtime.test', 'IN', 'a']);
    expect(same).toEqual({
      exitCode: 0,
      stdout: 'zone reload up-to-date',
      stderr: '',
    });
    expect(await named.serial('mtime.test', { view: 'a' })).toBe(100);

    // Older than the file named loaded: still skipped (what swapping back to an old inode would do).
    const older = new Date(loaded.getTime() - 60_000);
    utimesSync(path, older, older);
    expect((await named.rndc(['reload', 'mtime.test', 'IN', 'a'])).stdout).toBe('zone reload up-to-date');
    expect(await named.serial('mtime.test', { view: 'a' })).toBe(100);

    // The comparison is with the loaded FILE's mtime, not with when named loaded it: an mtime an
    // hour in the past (long before the load, but after the loaded file's mtime) does reload.
    const between = new Date(loaded.getTime() + 3600_000);
    expect(between.getTime()).toBeLessThan(Date.now());
    utimesSync(path, between, between);
    expect(await named.rndc(['reload', 'mtime.test', 'IN', 'a'])).toEqual({
      exitCode: 0,
      stdout: 'zone reload queued',
      stderr: '',
    });
    await named.waitForSerial('mtime.test', 101, { view: 'a' });
  });

  it('fact 1b: a file with a future mtime is reloaded on every rndc reload', async () => {
    const path = file('mtime.db');
    const future = new Date(Date.now() + 60_000);
    utimesSync(path, future, future);
    const first = await named.rndc(['reload', 'mtime.test', 'IN', 'a']);
    const second = await named.rndc(['reload', 'mtime.test', 'IN', 'a']);
    expect([first.stdout, second.stdout]).toEqual(['zone reload queued', 'zone reload queued']);
    // named remembered "now", not the future mtime: set back into the past, the file is up to date.
    const past = new Date(Date.now() - 10_000);
    utimesSync(path, past, past);
    expect((await named.rndc(['reload', 'mtime.test', 'IN', 'a'])).stdout).toBe('zone reload up-to-date');
    await named.waitForSerial('mtime.test', 101, { view: 'a' });
  });

  it('fact 2: rndc reload of a broken zone exits 0 while named keeps serving the old serial', async () => {
    const since = named.log().length;
    publish(file('broken.db'), soaZone('broken.test', 101, 'bad IN A 999.0.0.1'));

    const one = await named.rndc(['reload', 'broken.test', 'IN', 'a']);
    expect(one).toEqual({
      exitCode: 0,
      stdout: 'zone reload queued',
      stderr: '',
    });
    await named.waitForLog(/zone broken\.test\/IN\/a: not loaded due to errors\./, { since });
    expect(named.log().slice(since)).toMatch(/near '999\.0\.0\.1': bad dotted quad/);
    expect(await named.serial('broken.test', { view: 'a' })).toBe(100);

    // A full reload is no better: "server reload successful", exit 0, old serial.
    const sinceAll = named.log().length;
    const all = await named.rndc(['reload']);
    expect(all).toEqual({
      exitCode: 0,
      stdout: 'server reload successful',
      stderr: '',
    });
    await named.waitForLog(/zone broken\.test\/IN\/a: not loaded due to errors\./, { since: sinceAll });
    expect(await named.serial('broken.test', { view: 'a' })).toBe(100);

    // Fixed and fresh again, it loads.
    publish(file('broken.db'), soaZone('broken.test', 102));
    expect((await named.rndc(['reload', 'broken.test', 'IN', 'a'])).exitCode).toBe(0);
    await named.waitForSerial('broken.test', 102, { view: 'a' });
  });

  it('fact 3: rndc reconfig picks up a zone added to an included file; reload alone does not', async () => {
    const include = file('zones-b.conf');
    writeFileSync(file('added.db'), soaZone('added.test', 7));
    writeFileSync(include, `zone "added.test" { type primary; file "${file('added.db')}"; };\n`);
    expect(await named.serial('added.test', { view: 'b' })).toBeUndefined();

    const reload = await named.rndc(['reload', 'added.test', 'IN', 'b']);
    expect(reload).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "rndc: 'reload' failed: not found\nno matching zone 'added.test' in view 'b'",
    });

    const reconfig = await named.rndc(['reconfig']);
    expect(reconfig).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await named.waitForSerial('added.test', 7, { view: 'b' });
    expect(await named.serial('added.test', { view: 'a' })).toBeUndefined();
  });

  it('fact 3b: rndc reconfig with a syntax error exits 1 and named keeps the old config', async () => {
    const include = file('zones-b.conf');
    const good = `zone "added.test" { type primary; file "${file('added.db')}"; };\n`;
    writeFileSync(include, `${good}zone "half.test" { type primary; file \n`);
    try {
      const reconfig = await named.rndc(['reconfig']);
      expect(reconfig).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: "rndc: 'reconfig' failed: unexpected token",
      });
      expect(await named.serial('added.test', { view: 'b' })).toBe(7);
      expect((await named.rndc(['status'])).exitCode).toBe(0);
    } finally {
      writeFileSync(include, good);
    }
  });

  it('fact 3c: rndc reconfig exits 0 when a newly added zone file is broken (SERVFAIL)', async () => {
    const include = file('zones-b.conf');
    const before = `zone "added.test" { type primary; file "${file('added.db')}"; };\n`;
    writeFileSync(file('garbage.db'), 'this is not a zone\n');
    writeFileSync(include, `${before}zone "garbage.test" { type primary; file "${file('garbage.db')}"; };\n`);
    const since = named.log().length;
    const reconfig = await named.rndc(['reconfig']);
    expect(reconfig).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await named.waitForLog(/zone garbage\.test\/IN\/b: not loaded due to errors\./, { since });
    const dig = await execa(bindTool('dig'), ['+norecurse', '+time=1', '+tries=1', 'SOA', 'garbage.test', ...named.digArgs('b')]);
    expect(dig.stdout).toMatch(/status: SERVFAIL/);
    expect(await named.serial('garbage.test', { view: 'b' })).toBeUndefined();
  });

  it('a primary loads a backwards serial with only a log line', async () => {
    const since = named.log().length;
    publish(file('backwards.db'), soaZone('backwards.test', 3));
    expect(await named.rndc(['reload', 'backwards.test', 'IN', 'a'])).toEqual({
      exitCode: 0,
      stdout: 'zone reload queued',
      stderr: '',
    });
    await named.waitForSerial('backwards.test', 3, { view: 'a' });
    expect(named.log().slice(since)).toMatch(/zone backwards\.test\/IN\/a: zone serial \(3\/100\) has gone backwards/);
  });
});
