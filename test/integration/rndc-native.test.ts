// The BIND adapter's rndc commands sent natively to a real named's control channel (no rndc
// process), proven by what named then serves; a wrong key refused as the rndc program's failure
// is; and an rndc.conf the native path does not fully understand left to the rndc program, proven
// by a counting `rndc` wrapper (never by timing).

import { chmodSync, mkdtempSync, readFileSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGateError } from '../../src/shared/errors.js';
import { bindAdapter } from '../../src/zoneset/servers/bind.js';
import { runNativeControl } from '../../src/zoneset/servers/control-native.js';
import { runControl } from '../../src/zoneset/servers/control.js';
import { nativeControlTarget } from '../../src/zoneset/servers/rndc-target.js';
import { zoneSetSettings } from '../helpers/policy.js';
import { startNamed, type Named } from '../lab/named.js';
import { bindTool } from '../lab/tools.js';
import { soaZone } from '../lab/zones.js';

let dir: string;
let named: Named;
let include: string;
let mtime = Math.floor(Date.now() / 1000);

/** Writes zone `zone` with `serial` and an mtime later than any before it (named reloads by mtime). */
function publish(zone: string, serial: number): void {
  const file = join(dir, `${zone}.db`);
  writeFileSync(file, soaZone(zone, serial));
  mtime += 2;
  utimesSync(file, mtime, mtime);
}

/** An `rndc` that counts its runs in a file, then runs the real one: which way a command went. */
function countingRndc(): { argv0: string; runs: () => number } {
  const wrapperDir = mkdtempSync(join(dir, 'bin-'));
  const argv0 = join(wrapperDir, 'rndc');
  const count = join(wrapperDir, 'runs');
  writeFileSync(argv0, `#!/bin/sh\necho run >> '${count}'\nexec '${bindTool('rndc')}' "$@"\n`);
  chmodSync(argv0, 0o755);
  return { argv0, runs: () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').length - 1 : 0) };
}

async function failure(promise: Promise<unknown>): Promise<{ reason: string; exitCode: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isGateError(error)) return { reason: error.reason, exitCode: error.exitCode, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zonegate-rndc-native-'));
  for (const zone of ['n1.test', 'n2.test', 'n3.test']) publish(zone, 1);
  include = join(dir, 'added.conf');
  writeFileSync(include, '');
  named = await startNamed({
    zones: ['n1.test', 'n2.test'].map((name) => ({ name, file: join(dir, `${name}.db`) })),
    includeFiles: [{ path: include }],
  });
});

afterAll(async () => {
  await named.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('native rndc against a real named', () => {
  it('understands the lab rndc.conf: host, port and the hmac-sha256 key', () => {
    const target = nativeControlTarget([bindTool('rndc'), ...named.rndcArgs]);
    expect(target && { host: target.host, port: target.port, algorithm: target.algorithm }).toEqual({
      host: '127.0.0.1',
      port: named.rndcPort,
      algorithm: 'hmac-sha256',
    });
  });

  it('reload ZONE, full reload and reconfig go out natively, and named serves what they loaded', async () => {
    const rndc = countingRndc();
    const settings = zoneSetSettings({ rndc: [rndc.argv0, ...named.rndcArgs] });
    publish('n1.test', 2);
    expect(await bindAdapter.reload(settings, { reload: ['n1.test'], reconfig: false })).toEqual(['reload n1.test']);
    await named.waitForSerial('n1.test', 2);
    publish('n2.test', 3);
    // Twenty changed zones in a set of twenty: one full reload.
    const many = Array.from({ length: 20 }, (_, index) => `x${String(index)}.test`);
    expect(await bindAdapter.reload(settings, { reload: many, reconfig: false }, () => 20)).toEqual(['reload']);
    await named.waitForSerial('n2.test', 3);
    writeFileSync(include, `zone "n3.test" { type primary; file "${join(dir, 'n3.test.db')}"; };\n`);
    expect(await bindAdapter.reload(settings, { reload: [], reconfig: true })).toEqual(['reconfig']);
    await named.waitForSerial('n3.test', 1);
    expect(rndc.runs()).toBe(0);
  });

  it("a zone named does not have fails in rndc's words", async () => {
    const target = nativeControlTarget([bindTool('rndc'), ...named.rndcArgs]);
    if (target === undefined) throw new Error('lab rndc.conf not understood');
    const native = await failure(runNativeControl(target, ['reload', 'absent.test']));
    const program = await failure(
      runControl(zoneSetSettings({ rndc: [bindTool('rndc'), ...named.rndcArgs] }), ['reload', 'absent.test'], 'rndc'),
    );
    expect(native).toEqual(program);
  });

  // Attack/accident: the zone set's rndc key is wrong (rotated on named, stale here). named must
  // refuse the command; the adapter must fail exactly as with the rndc program, and what named
  // serves must not change.
  it('a wrong secret is refused by named and fails the reload as the rndc program does', async () => {
    const badConf = join(dir, 'bad-rndc.conf');
    const wrong = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(badConf, readFileSync(named.rndcConf, 'utf8').replace(/secret "[^"]+"/, `secret "${wrong}"`));
    publish('n1.test', 9);
    const rndc = countingRndc();
    const native = await failure(
      bindAdapter.reload(zoneSetSettings({ rndc: [rndc.argv0, '-c', badConf] }), { reload: ['n1.test'], reconfig: false }),
    );
    expect(rndc.runs()).toBe(0);
    // rndc's -q (no value) is not understood natively: the same reload by the program.
    const program = await failure(
      bindAdapter.reload(zoneSetSettings({ rndc: [rndc.argv0, '-q', '-c', badConf] }), { reload: ['n1.test'], reconfig: false }),
    );
    expect(rndc.runs()).toBe(1);
    expect([native.reason, native.exitCode]).toEqual(['reload-failed', 84]);
    expect([program.reason, program.exitCode]).toEqual([native.reason, native.exitCode]);
    expect(native.message).toMatch(/^rndc reload n1\.test failed: /);
    expect(await named.serial('n1.test')).toBe(2);
  });

  it('an rndc.conf with an option it does not know is left to the rndc program', async () => {
    const odd = join(dir, 'odd-rndc.conf');
    writeFileSync(odd, readFileSync(named.rndcConf, 'utf8').replace('options {', 'options { default-source-address 127.0.0.1;'));
    const rndc = countingRndc();
    publish('n2.test', 4);
    await bindAdapter.reload(zoneSetSettings({ rndc: [rndc.argv0, '-c', odd] }), { reload: ['n2.test'], reconfig: false });
    expect(rndc.runs()).toBe(1);
    await named.waitForSerial('n2.test', 4);
  });
});
