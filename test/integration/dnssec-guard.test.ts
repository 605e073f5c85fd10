// The DNSSEC signature guard end to end, with zones signed in the test by dnssec-keygen and
// dnssec-signzone: the secondary (real sshd, the built gate in its bwrap sandbox, real rsync, named)
// refuses a signed zone whose signatures expire within zoneSet.signatureHorizon or do not verify,
// with exit 94 and the record named, and the live tree and what named serves stay as they were;
// the primary (`zonegate push`) refuses to send such a zone at all; a well-signed zone goes live,
// is served, and `zonegate status` reports its earliest signature expiry.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { signZone, tamperRecord } from '../lab/dnssec.js';
import { makeKeyPair, type KeyPair } from '../lab/keys.js';
import { startSecondary, type Secondary } from '../lab/secondary.js';
import { requireTool } from '../lab/tools.js';
import { liveZones, soaZone, writeZoneFile, zoneText } from '../lab/zones.js';

const ZONE = 'signed.example';
const FILE = `db.${ZONE}`;
const DAY = 86_400;

let dir: string;
let keyDir: string;
let source: string;
let key: KeyPair;
let secondary: Secondary;

/** The earliest RRSIG expiration in dnssec-signzone's output, read with a plain regex (not zonegate's reader). */
function earliestExpiry(signed: string): number {
  const times = [...signed.matchAll(/RRSIG\s+[A-Z0-9]+ \d+ \d+ \d+ \(\s+(\d{14}) /g)].map((m) => {
    const t = m[1] ?? '';
    return Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14)) / 1000;
  });
  if (times.length === 0) throw new Error('no RRSIG in the signed text');
  return Math.min(...times);
}

const signed = (serial: number, expiresIn: number): Promise<string> =>
  signZone(ZONE, zoneText(ZONE, serial, { records: ['ns1 IN A 127.0.0.1', 'www IN A 192.0.2.80'] }), { keyDir, expiresIn });

async function pushDirect(): Promise<{ exitCode: number | undefined; stderr: string }> {
  return secondary.sshd.rsync(key.privateKey, ['-rt', '--delete', `${source}/`, `${secondary.sshd.user}@127.0.0.1:${secondary.root}/`]);
}

const gateLines = (): number => readFileSync(secondary.gateLog, 'utf8').split('\n').filter(Boolean).length;

beforeAll(async () => {
  requireTool('/usr/bin/ldns-verify-zone', 'ldnsutils');
  dir = mkdtempSync(join(tmpdir(), 'zonegate-dnssec-'));
  keyDir = join(dir, 'keys');
  source = join(dir, 'source');
  mkdirSync(source);
  key = await makeKeyPair(dir, 'primary');
  secondary = await startSecondary({ name: 'dnssec', dir: join(dir, 'secondary'), clientKey: key.line, named: true, sandbox: 'required' });
  writeZoneFile(source, 'db.plain.example', soaZone('plain.example', 1));
  writeZoneFile(source, FILE, await signed(1, 30 * DAY));
  const first = await pushDirect();
  expect(first.exitCode, first.stderr).toBe(0);
});

afterAll(async () => {
  await secondary.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the secondary (gate, before promotion)', () => {
  it('takes a well-signed zone, serves it, and records its earliest signature expiry for status', async () => {
    await secondary.named?.waitForSerial(ZONE, 1);
    const text = readFileSync(join(secondary.root, 'current', FILE), 'utf8');
    const record = JSON.parse(readFileSync(join(secondary.root, '.zonegate', 'signatures.json'), 'utf8')) as Record<
      string,
      { expires: number }
    >;
    expect(Object.keys(record)).toEqual([ZONE]);
    expect(record[ZONE]?.expires).toBe(earliestExpiry(text));
    const prometheus = await zonegate(['status', '--config', secondary.config, '--prometheus']);
    expect(prometheus.stdout).toContain(
      `zonegate_zone_signature_expiry_timestamp_seconds{zoneset="ext-dnssec",zone="${ZONE}"} ${String(earliestExpiry(text))}`,
    );
    expect(prometheus.stdout).toContain('zonegate_zoneset_signature_horizon_seconds{zoneset="ext-dnssec"} 259200\n');
    const json = JSON.parse((await zonegate(['status', '--config', secondary.config, '--json'])).stdout) as {
      zoneSets: { signatures: { zones: { zone: string; expires: number }[] } }[];
    };
    expect(json.zoneSets[0]?.signatures.zones).toMatchObject([{ zone: ZONE, expires: earliestExpiry(text) }]);
    const nagios = await zonegate(['status', '--config', secondary.config, '--nagios']);
    expect(nagios.stdout).toMatch(/'zoneset_ext-dnssec_signature_seconds_left'=\d+s;259200:;0:/);
  });

  it('refuses signatures that expire within the horizon: exit 94 names the record, live and served unchanged', async () => {
    // attack (or a stuck signer): a zone whose signatures run out in an hour would go bogus for
    // every validating resolver while the secondary keeps serving it.
    const before = liveZones(secondary.root);
    const zone = await signed(2, 3600);
    writeZoneFile(source, FILE, zone);
    const result = await pushDirect();
    expect(result.exitCode).toBe(94);
    const at = new Date(earliestExpiry(zone) * 1000).toISOString().replace('.000Z', 'Z');
    expect(result.stderr).toMatch(
      new RegExp(
        `zone ${ZONE} \\(${FILE}\\): the RRSIG of (\\S+\\.)?${ZONE}\\. [A-Z0-9]+ expires at ${at}, within zoneSet.signatureHorizon 3d`,
      ),
    );
    expect(liveZones(secondary.root)).toEqual(before);
    expect(await secondary.named?.serial(ZONE)).toBe(1);
    expect(readFileSync(secondary.gateLog, 'utf8')).toMatch(/"reason":"dnssec-refused"/);
  });

  it('refuses a zone with a record changed after signing: does not verify, live and served unchanged', async () => {
    // attack: a record rewritten after signing (a tampered or half-edited zone) serves as bogus.
    const before = liveZones(secondary.root);
    writeZoneFile(
      source,
      FILE,
      tamperRecord(await signed(3, 30 * DAY), /(www\.signed\.example\.\s+300\s+IN A\s+)192\.0\.2\.80/, '$1192.0.2.99'),
    );
    const result = await pushDirect();
    expect(result.exitCode).toBe(94);
    expect(result.stderr).toMatch(/does not verify: Bogus DNSSEC signature for www\.signed\.example\. A/);
    expect(liveZones(secondary.root)).toEqual(before);
    expect(await secondary.named?.serial(ZONE)).toBe(1);
  });

  it('refuses expiring signatures whose types are spelled TYPE046/TYPE047/TYPE048: live and served unchanged', async () => {
    // attack: named-checkzone (like NSD and Knot) loads `TYPE046` as RRSIG; spelled that way an
    // expiring zone must still be refused, not read as unsigned and sent live unchecked.
    const before = liveZones(secondary.root);
    const zone = (await signed(3, 3600)).replace(/\t(RRSIG|NSEC|DNSKEY)\t/g, (_, type: string) => {
      const number = { RRSIG: 46, NSEC: 47, DNSKEY: 48 }[type as 'RRSIG' | 'NSEC' | 'DNSKEY'];
      return `\tTYPE0${String(number)}\t`;
    });
    expect(zone).not.toMatch(/\tRRSIG\t/);
    writeZoneFile(source, FILE, zone);
    const result = await pushDirect();
    expect(result.exitCode, result.stderr).toBe(94);
    expect(result.stderr).toMatch(
      new RegExp(`zone ${ZONE} \\(${FILE}\\): the RRSIG of \\S+ [A-Z0-9]+ expires at .*within zoneSet.signatureHorizon 3d`),
    );
    expect(liveZones(secondary.root)).toEqual(before);
    expect(await secondary.named?.serial(ZONE)).toBe(1);
  });

  it('takes the zone once it is signed again', async () => {
    writeZoneFile(source, FILE, await signed(4, 30 * DAY));
    const result = await pushDirect();
    expect(result.exitCode, result.stderr).toBe(0);
    await secondary.named?.waitForSerial(ZONE, 4);
  });
});

describe('the primary (zonegate push, before sending)', () => {
  const primaryConfig = (horizon: string): string => {
    const file = join(dir, `primary-${horizon}.conf`);
    const target = {
      host: '127.0.0.1',
      port: secondary.sshd.port,
      user: secondary.sshd.user,
      identity: key.privateKey,
      knownHosts: secondary.sshd.knownHosts,
      source,
      destination: secondary.root,
      delete: true,
      zoneFile: 'db.{zone}',
      signatureHorizon: horizon,
      retries: 0,
    };
    const push = { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), checker: false };
    writeFileSync(file, JSON.stringify({ targets: { ns2: target }, push }), { mode: 0o600 });
    return file;
  };

  it('does not send a zone whose signatures expire within the target horizon, naming the record', async () => {
    const before = liveZones(secondary.root);
    const lines = gateLines();
    const zone = await signed(5, 2 * DAY);
    writeZoneFile(source, FILE, zone);
    const result = await zonegate(['push', '--config', primaryConfig('3d')]);
    expect(result.exitCode).toBe(2);
    const at = new Date(earliestExpiry(zone) * 1000).toISOString().replace('.000Z', 'Z');
    expect(result.stderr).toContain(`${FILE}: DNSSEC: the RRSIG of`);
    expect(result.stderr).toContain(`expires at ${at}, within targets.ns2.signatureHorizon 3d`);
    // Nothing reached the secondary: no gate decision, no change, the old serial served.
    expect(gateLines()).toBe(lines);
    expect(liveZones(secondary.root)).toEqual(before);
    expect(await secondary.named?.serial(ZONE)).toBe(4);
  });

  it('sends it where the target horizon is shorter, and the secondary still refuses it by its own (exit 94)', async () => {
    const before = liveZones(secondary.root);
    const result = await zonegate(['push', '--config', primaryConfig('1d')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/94/);
    expect(readFileSync(secondary.gateLog, 'utf8').trim().split('\n').pop()).toMatch(/"reason":"dnssec-refused"/);
    expect(liveZones(secondary.root)).toEqual(before);
    expect(await secondary.named?.serial(ZONE)).toBe(4);
  });
});

/** dnssec-signzone's output one record a line, comments dropped, the lines joined by a bare \\r. */
const flatten = (zone: string): string =>
  zone
    .replace(/;[^\n]*/g, '')
    .replace(/\(([^)]*)\)/g, (_, inside: string) => inside.replace(/\n/g, ' '))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .join('\r');

describe('an NSD secondary', () => {
  let nsd: Secondary;
  let nsdSource: string;

  const push = (): Promise<{ exitCode: number | undefined; stderr: string }> =>
    nsd.sshd.rsync(key.privateKey, ['-rt', '--delete', `${nsdSource}/`, `${nsd.sshd.user}@127.0.0.1:${nsd.root}/`]);

  beforeAll(async () => {
    nsdSource = join(dir, 'nsd-source');
    mkdirSync(nsdSource);
    nsd = await startSecondary({ name: 'dnssec-nsd', dir: join(dir, 'nsd'), clientKey: key.line, server: 'nsd', sandbox: 'required' });
    writeZoneFile(nsdSource, FILE, await signed(1, 30 * DAY));
    const first = await push();
    expect(first.exitCode, first.stderr).toBe(0);
    await nsd.dns?.waitForSerial(ZONE, 1);
  });

  afterAll(async () => {
    await nsd.stop();
  });

  it('refuses a signed zone whose lines end in a bare carriage return: live and served unchanged', async () => {
    // attack: NSD (not named or Knot) loads records separated by \r alone, DNSKEYs and RRSIGs
    // expiring in an hour included; read line by line at \n the file is one SOA record, which
    // passed as an unsigned zone, skipping the horizon and the verifier.
    const before = liveZones(nsd.root);
    writeZoneFile(nsdSource, FILE, `${flatten(await signed(2, 3600))}\r`);
    const result = await push();
    expect(result.exitCode, result.stderr).toBe(94);
    expect(result.stderr).toContain(`zone ${ZONE} (${FILE}): cannot be checked: a carriage return that does not end a line`);
    expect(liveZones(nsd.root)).toEqual(before);
    expect(await nsd.dns?.serial(ZONE)).toBe(1);
  });

  it('refuses a signed zone behind a TXT string that runs across lines: live and served unchanged', async () => {
    // attack: NSD reads a quoted string across lines; zonegate's reader ended it at the line and
    // took the "(" inside it for a parenthesis that swallowed every record after it, DNSKEYs and
    // expiring RRSIGs included: the zone passed as unsigned.
    const before = liveZones(nsd.root);
    const [soa = '', ...rest] = flatten(await signed(4, 3600)).split('\r');
    writeZoneFile(nsdSource, FILE, [soa, 'www 300 IN TXT "abc', '(', '"', 'www2 300 IN A 192.0.2.9', ...rest].join('\n') + '\n');
    const result = await push();
    expect(result.exitCode, result.stderr).toBe(94);
    expect(result.stderr).toContain(`zone ${ZONE} (${FILE}): cannot be checked: a quoted string that runs past the end of its line`);
    expect(liveZones(nsd.root)).toEqual(before);
    expect(await nsd.dns?.serial(ZONE)).toBe(1);
  });

  it('refuses expiring signatures behind a TTL written 1h30: live and served unchanged', async () => {
    // attack: NSD reads the TTL `1h30` (a trailing number is seconds); zonegate's reader took it
    // for the type word of every record so written, saw no DNSSEC record and passed the zone as
    // unsigned.
    const before = liveZones(nsd.root);
    // The SOA keeps its plain TTL: zonegate's serial reader must find it, or the push ends at 80.
    const zone = (await signed(3, 3600))
      .split('\n')
      .map((line) => (/\tIN SOA\t/.test(line) ? line : line.replace(/\t300\t/, '\t1h30\t')))
      .join('\n');
    writeZoneFile(nsdSource, FILE, zone);
    const result = await push();
    expect(result.exitCode, result.stderr).toBe(94);
    expect(result.stderr).toMatch(
      new RegExp(`zone ${ZONE} \\(${FILE}\\): the RRSIG of \\S+ [A-Z0-9]+ expires at .*within zoneSet.signatureHorizon 3d`),
    );
    expect(liveZones(nsd.root)).toEqual(before);
    expect(await nsd.dns?.serial(ZONE)).toBe(1);
  });
});
