// zonegate's own reading of RRSIG expirations (src/zoneset/dnssec-rrsig.ts) and of the horizon
// setting. The zone text comes from the client: every malformed or disguised signature must end
// as "unreadable" (refused), never as "unsigned" or a later expiry than the record really has.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSignatureTime, scanSignatureFile, scanSignatureText } from '../../src/zoneset/dnssec-rrsig.js';
import { signatureProblem } from '../../src/zoneset/dnssec-guard.js';
import { parseHorizon, renderHorizon } from '../../src/shared/policy/signature-horizon.js';
import { prescanZone } from '../../src/zoneset/prescan.js';
import { ZONESET_LIMIT_DEFAULTS } from '../../src/shared/policy/defaults.js';

const SOA = '@ 300 IN SOA ns1 host 1 2 3 4 5\n';
const sig = (covered: string, expiration: string, inception = '20260101000000'): string =>
  `RRSIG ${covered} 13 2 300 ${expiration} ${inception} 4711 example.test. AAAA`;
const scan = (text: string): ReturnType<typeof scanSignatureText> => scanSignatureText(text, 'example.test');
const at = (iso: string): number => Date.parse(iso) / 1000;

describe('parseSignatureTime (RFC 4034 §3.2)', () => {
  it.each([
    ['20261205225239', at('2026-12-05T22:52:39Z')],
    ['1780000000', 1780000000],
    ['0', 0],
    ['4294967295', 4294967295],
    ['4294967296', undefined],
    ['20260231000000', undefined],
    ['20261205245959', undefined],
    ['20261205225260', undefined],
    ['2026120522523', undefined],
    ['202612052252399', undefined],
    ['21070101000000', undefined],
    ['-1', undefined],
    ['1e9', undefined],
    ['', undefined],
    ['٢٠٢٦١٢٠٥٢٢٥٢٣٩', undefined],
  ])('%j -> %s', (text, expected) => {
    expect(parseSignatureTime(text)).toBe(expected);
  });
});

describe('scanSignatureText', () => {
  it('an unsigned zone is unsigned', () => {
    expect(scan(`${SOA}www IN A 192.0.2.1\n`)).toEqual({ kind: 'unsigned' });
  });

  it("names the earliest RRSIG: dnssec-signzone's multi-line form, omitted owners, $ORIGIN, both time forms", () => {
    const text = [
      '$ORIGIN example.test.',
      SOA.trim(),
      `\t\t\t300 ${sig('SOA', '20261205225239')}`,
      'www 300 IN A 192.0.2.1',
      '\t\t\t300 RRSIG A 13 3 300 (',
      '\t\t\t\t\t20261130000000 20261101000000 4711 example.test.',
      '\t\t\t\t\tlB/5QCyulubk9884F3pcF3mfHLAwiLQwMdfM ) ; a comment ( with a parenthesis',
      '$ORIGIN sub',
      `deep 300 IN ${sig('TXT', String(at('2026-12-01T00:00:00Z')))}`,
      `abs.other.test. IN ${sig('AAAA', '20261215000000')}`,
    ].join('\n');
    expect(scan(text)).toEqual({
      kind: 'signed',
      signatures: 4,
      earliest: { owner: 'www.example.test.', covered: 'A', expires: at('2026-11-30T00:00:00Z') },
    });
  });

  it('reads the generic form (RFC 3597) of an RRSIG: TYPE46 and RRSIG \\#', () => {
    // type covered A (1), alg 13, labels 2, ttl 300, expiration 0x6a000000, inception 0x69000000
    const rdata = '0001 0d 02 0000012c 6a000000 69000000 1267 076578616d706c6504746573740000';
    const length = rdata.replace(/ /g, '').length / 2;
    expect(scan(`${SOA}www IN TYPE46 \\# ${String(length)} ${rdata}\n`)).toMatchObject({
      kind: 'signed',
      earliest: { owner: 'www.example.test.', covered: 'A', expires: 0x6a000000 },
    });
    expect(scan(`${SOA}www IN RRSIG \\# ${String(length)} ${rdata}\n`)).toMatchObject({ earliest: { expires: 0x6a000000 } });
  });

  it('a zone with DNSKEY or NSEC but no RRSIG is signed, with no expiry (the verifier refuses it)', () => {
    expect(scan(`${SOA}@ IN DNSKEY 257 3 13 AAAA\n`)).toEqual({ kind: 'signed', signatures: 0, earliest: undefined });
    expect(scan(`${SOA}@ IN NSEC www NS SOA\n`)).toMatchObject({ kind: 'signed' });
  });

  it.each([
    // attack: an expiration zonegate skipped would let an expiring signature through unnamed.
    ['a malformed expiration', `${SOA}www IN ${sig('A', '2026-12-05')}\n`],
    ['a missing expiration', `${SOA}www IN RRSIG A 13 2 300\n`],
    ['an impossible date', `${SOA}www IN ${sig('A', '20261332000000')}\n`],
    ['an out-of-range epoch', `${SOA}www IN ${sig('A', '99999999999')}\n`],
    ['a covered type with shell characters', `${SOA}www IN ${sig('A;id', '20261205225239')}\n`],
    ['generic data of the wrong length', `${SOA}www IN TYPE46 \\# 40 0001\n`],
    ['generic data too short for an expiration', `${SOA}www IN TYPE46 \\# 4 00010d02\n`],
    ['generic data that is not hex', `${SOA}www IN TYPE46 \\# 18 zz${'00'.repeat(17)}\n`],
    // attack: signatures kept in an included file would never be read.
    ['a signed zone with $INCLUDE', `${SOA}$INCLUDE /etc/zones/sigs\n@ IN DNSKEY 257 3 13 AAAA\n`],
  ])('refuses %s as unreadable', (_what, text) => {
    expect(scan(text).kind).toBe('unreadable');
  });

  it('a later good RRSIG does not hide an unreadable one', () => {
    expect(scan(`${SOA}a IN ${sig('A', 'soon')}\nb IN ${sig('A', '20261205225239')}\n`)).toMatchObject({
      kind: 'unreadable',
      owner: 'a.example.test.',
    });
  });

  it('a decoy RRSIG in a TXT string or a comment is not a signature', () => {
    expect(scan(`${SOA}www IN TXT "RRSIG A 13 2 300 19700101000000"\n; x IN ${sig('A', '19700101000000')}\n`)).toEqual({
      kind: 'unsigned',
    });
  });

  it.each([
    ['TYPE046', 'TYPE048'],
    ['TYPE0000046', 'TYPE00048'],
    ['"RRSIG"', '"DNSKEY"'],
    ['"TYPE46"', 'type048'],
    ['TYPE0000000000046', 'DNSKEY'],
    ['TYPE4294967342', 'DNSKEY'],
  ])('an expiring RRSIG spelled %s (DNSKEY spelled %s) is read as one, not taken as unsigned', (rrsig, dnskey) => {
    // attack: named, NSD and Knot all load TYPE046 as RRSIG (NSD also a quoted "RRSIG"); a reader
    // that only knows the canonical spellings calls the zone unsigned, so neither the horizon nor
    // the verifier ever looks at its expiring signatures.
    const text = `${SOA}@ IN ${dnskey} 256 3 13 AAAA
www IN A 192.0.2.1
www IN ${rrsig} A 13 3 300 19700102000000 19700101000000 4711 example.test. AAAA
`;
    const result = scan(text);
    expect(result.kind).not.toBe('unsigned');
    if (result.kind === 'signed') expect(result.earliest).toMatchObject({ owner: 'www.example.test.', covered: 'A', expires: 86_400 });
  });

  it('a zone whose lines end in a bare carriage return is refused, not read as one unsigned record', () => {
    // attack: NSD loads a file whose records are separated by \r alone, DNSKEYs and expiring
    // RRSIGs included; read by \n it is one SOA record, so the zone would pass as unsigned.
    const lines = [SOA.trim(), '@ IN DNSKEY 256 3 13 AAAA', `@ IN ${sig('SOA', '19700102000000')}`];
    expect(scan(`${lines.join('\r')}\r`)).toMatchObject({ kind: 'unreadable', why: 'a carriage return that does not end a line' });
    // \r\n is a line end, also when a chunk ends between the two.
    expect(scan(`${SOA.trim()}\r\nwww IN A 192.0.2.1\r\n`)).toEqual({ kind: 'unsigned' });
  });

  it.each(['1h30', '5m1', '1W2d3', '300S'])('an RRSIG behind the TTL %s (NSD reads a trailing bare number as seconds) is read', (ttl) => {
    // attack: NSD loads `www 1h30 IN RRSIG …`; a reader that took "1h30" for the type word saw no
    // DNSSEC record at all, so the zone passed as unsigned.
    const text = `${SOA}@ ${ttl} IN DNSKEY 256 3 13 AAAA\nwww IN ${ttl} ${sig('A', '19700102000000')}\n`;
    expect(scan(text)).toMatchObject({ kind: 'signed', earliest: { owner: 'www.example.test.', expires: 86_400 } });
  });

  it('a quoted string that runs past its line is refused, not read as an open parenthesis', () => {
    // attack: NSD reads a TXT string across lines; a "(" inside it, read here as a parenthesis,
    // swallowed every record after it (DNSKEY and RRSIGs), so the zone passed as unsigned.
    const text = `${SOA}www IN TXT "abc\n(\n"\n@ IN DNSKEY 256 3 13 AAAA\n@ IN ${sig('SOA', '19700102000000')}\n`;
    expect(scan(text)).toMatchObject({ kind: 'unreadable', why: 'a quoted string that runs past the end of its line' });
    // A "(" never closed made every record after it one record, its type the first word's.
    expect(scan(`${SOA}www IN TXT ( "a"\nx IN DNSKEY 256 3 13 AAAA\n`)).toMatchObject({
      kind: 'unreadable',
      why: 'a parenthesis that is never closed',
    });
  });

  it('caps a hostile owner name and replaces control characters in it', () => {
    const owner = `${'x'.repeat(5000)}\u0007`;
    const result = scan(`${SOA}${owner} IN ${sig('A', 'bad')}\n`);
    expect(result.kind).toBe('unreadable');
    if (result.kind !== 'unreadable') return;
    expect(result.owner.length).toBeLessThanOrEqual(256);
    expect(result.owner).not.toMatch(/[\u0000-\u001f]/);
  });

  it('a record longer than 1 MiB (an unclosed parenthesis) is refused, not held', () => {
    expect(scan(`${SOA}www IN RRSIG A 13 2 300 (\n${'AAAA '.repeat(300_000)}`).kind).toBe('unreadable');
  });
});

describe('scanSignatureFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-rrsig-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads in chunks across record boundaries and stops at the size limit', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `h${String(i)} IN ${sig('A', String(1_900_000_000 - i))}`);
    writeFileSync(join(dir, 'db.example.test'), `${SOA}${lines.join('\n')}\n`);
    expect(scanSignatureFile(join(dir, 'db.example.test'), 'example.test', 1 << 30)).toMatchObject({
      kind: 'signed',
      signatures: 5000,
      earliest: { owner: 'h4999.example.test.', expires: 1_900_000_000 - 4999 },
    });
    expect(scanSignatureFile(join(dir, 'db.example.test'), 'example.test', 1000).kind).toBe('unreadable');
  });

  it('a \\r\\n split between two chunks is a line end, not a bare carriage return', () => {
    const head = `${SOA.trim()}\r\n`;
    // The 64 KiB chunk ends right after the \r of the padding line.
    const pad = `www IN TXT "${'x'.repeat(64 * 1024 - head.length - 'www IN TXT ""'.length - 1)}"\r\n`;
    const text = `${head}${pad}@ IN ${sig('SOA', '20261205225239')}\r\n`;
    expect(text.indexOf('\r\n', head.length)).toBe(64 * 1024 - 1);
    writeFileSync(join(dir, 'db.crlf.test'), text);
    expect(scanSignatureFile(join(dir, 'db.crlf.test'), 'example.test', 1 << 30)).toMatchObject({ kind: 'signed', signatures: 1 });
  });
});

describe('signatureProblem', () => {
  const now = at('2026-11-26T00:00:00Z') * 1000;
  const signed = (expires: number): ReturnType<typeof scanSignatureText> => ({
    kind: 'signed',
    signatures: 1,
    earliest: { owner: 'www.example.test.', covered: 'A', expires },
  });
  it.each([
    [at('2026-12-26T00:00:00Z'), undefined],
    [at('2026-11-29T00:00:00Z'), undefined],
    [at('2026-11-28T23:59:59Z'), 'the RRSIG of www.example.test. A expires at 2026-11-28T23:59:59Z, within zoneSet.signatureHorizon 3d'],
    [at('2026-11-25T00:00:00Z'), 'the RRSIG of www.example.test. A expired at 2026-11-25T00:00:00Z'],
  ])('expiry %i against a 3-day horizon: %j', (expires, expected) => {
    expect(signatureProblem(signed(expires), 3 * 86_400, 'zoneSet.signatureHorizon', now)).toBe(expected);
  });
});

describe('signatureHorizon values', () => {
  it.each([
    ['3d', 259_200],
    ['72h', 259_200],
    ['90m', 5400],
    ['600s', 600],
    [0, 0],
    [259_200, 259_200],
    ['90d', 7_776_000],
    ['91d', undefined],
    ['3 d', undefined],
    ['3D', undefined],
    ['P3D', undefined],
    ['1d12h', undefined],
    [-1, undefined],
    [1.5, undefined],
    ['', undefined],
  ])('%j -> %s', (value, expected) => {
    expect(parseHorizon(value)).toBe(expected);
  });

  it.each([
    [259_200, '3d'],
    [129_600, '36h'],
    [0, '0s'],
    [61, '61s'],
  ])('renders %i as %s', (seconds, text) => {
    expect(renderHorizon(seconds)).toBe(text);
  });
});

describe("the pre-scan's pass gives the guard the same scan as a scan of its own", () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-rrsig-pre-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // The guard judges what the pre-scan read (the file is read and tokenized once): any text on
  // which the two readings differ would let a signature past the guard or refuse a good zone.
  it.each([
    ['unsigned', `${SOA}www IN A 192.0.2.1\n`],
    ['signed, two expiries', `${SOA}@ IN ${sig('SOA', '20261205225239')}\nwww IN A 192.0.2.1\nwww IN ${sig('A', '20261130000000')}\n`],
    ['generic RRSIG (RFC 3597)', `${SOA}www IN TYPE46 \\# 3 000102\n`],
    ['a bare carriage return', `${SOA}www IN ${sig('A', '20261205225239')}\rx IN A 192.0.2.1\n`],
    ['an unreadable expiry', `${SOA}www IN ${sig('A', '2026-12-05')}\n`],
    ['a parenthesis never closed', `${SOA}www IN RRSIG A 13 2 300 ( 20261205225239\n`],
    ['$ORIGIN and omitted owners', `$ORIGIN sub.example.test.\n${SOA}  IN ${sig('SOA', '20261205225239')}\n`],
    [
      'across 64 KiB chunks',
      `${SOA}${Array.from({ length: 3000 }, (_, i) => `h${String(i)} IN ${sig('A', String(1_900_000_000 - i))}`).join('\n')}\n`,
    ],
  ])('%s', (_, text) => {
    const file = 'db.example.test';
    writeFileSync(join(dir, file), text);
    const own = scanSignatureFile(join(dir, file), 'example.test', 1 << 30);
    expect(prescanZone(join(dir, file), { zone: 'example.test', file }, ZONESET_LIMIT_DEFAULTS)).toEqual({
      size: Buffer.byteLength(text),
      scan: own,
    });
  });
});
