// zonegate's own reading of a zone file's DNSSEC records: does it carry any (DNSKEY, RRSIG, NSEC,
// NSEC3, NSEC3PARAM, also in RFC 3597's generic form), and which RRSIG expires first, with its owner
// and the type it covers, so a refusal can name the record. The text is hostile: read in fixed-size
// chunks through the same reader as the pre-scan (one record held at a time, 1 MiB per record),
// names capped, and any RRSIG whose expiration zonegate cannot read is reported, never skipped.
// The verifier (dnssec-verify-zone.ts) then proves the signatures themselves.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { typeAndData, ZoneTextReader, type ZoneRecordText } from './zone-text.js';

/** The RRSIG that expires first. */
export interface EarliestSignature {
  /** Owner name, absolute, as written (capped, control characters replaced). */
  owner: string;
  /** The type it covers ("A", "SOA", "TYPE65534"). */
  covered: string;
  /** Signature expiration, seconds since the epoch. */
  expires: number;
}

export type SignatureScan =
  | { kind: 'unsigned' }
  | { kind: 'signed'; signatures: number; earliest: EarliestSignature | undefined }
  /** A DNSSEC zone zonegate cannot read completely: refused, never half-checked. */
  | { kind: 'unreadable'; owner: string; why: string };

const DNSSEC_TYPES = new Set(['DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM']);
/** RFC 3597 numbers of the DNSSEC types, for a type written TYPEn. */
const DNSSEC_TYPE_NUMBERS: Readonly<Record<number, string>> = { 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 51: 'NSEC3PARAM' };
/** RFC 3597 numbers of the types a generic RRSIG most often covers; others are shown as TYPEn. */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  43: 'DS',
  47: 'NSEC',
  48: 'DNSKEY',
  50: 'NSEC3',
  51: 'NSEC3PARAM',
};
const NAME_MAX = 255;
const CHUNK = 64 * 1024;

/** RFC 4034 §3.2: YYYYMMDDHHmmSS (UTC), or the unsigned 32-bit seconds since the epoch in decimal. */
export function parseSignatureTime(text: string): number | undefined {
  if (/^\d{1,10}$/.test(text)) {
    const seconds = Number(text);
    return seconds <= 0xffff_ffff ? seconds : undefined;
  }
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // A 31 February or a 25th hour rolls over in Date.UTC: refused, not silently moved.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || back.getUTCHours() !== hour || back.getUTCMinutes() !== minute)
    return undefined;
  const seconds = ms / 1000;
  return seconds >= 0 && seconds <= 0xffff_ffff && second < 60 ? seconds : undefined;
}

/**
 * A record's type word as the servers read it (upper case already): named, NSD and Knot all load
 * TYPE046 (leading zeros) as RRSIG, so TYPEn is read as a number and a DNSSEC number becomes its
 * mnemonic. undefined for a TYPEn past 16 bits, and for a quoted or escaped type word: NSD loads "RRSIG" in quotes as an RRSIG,
 * and no zone needs one, so it is refused rather than guessed at.
 */
function canonicalType(word: string): string | undefined {
  if (/["\\]/.test(word)) return undefined;
  const generic = /^TYPE0*(\d{1,6})$/.exec(word);
  if (generic === null) return /^TYPE\d/.test(word) ? undefined : word;
  const number = Number(generic[1]);
  // Past 16 bits no server means a type; whatever one makes of it is refused.
  if (number > 0xffff) return undefined;
  return DNSSEC_TYPE_NUMBERS[number] ?? `TYPE${String(number)}`;
}

/** A name from the zone text, shown in a refusal: control characters replaced, length capped. */
function shown(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > NAME_MAX ? `${clean.slice(0, NAME_MAX)}…` : clean;
}

function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  if (name.endsWith('.') && !name.endsWith('\\.')) return name;
  return origin === '.' ? `${name}.` : `${name}.${origin}`;
}

/** An RRSIG's covered type and expiration, from its text form or RFC 3597's `\# LENGTH HEX`. */
function readRrsig(data: readonly string[]): { covered: string; expires: number } | string {
  if (data[0] === '\\#') {
    const length = data[1] ?? '';
    const hex = data.slice(2).join('');
    if (!/^\d{1,5}$/.test(length) || !/^(?:[0-9a-fA-F]{2})*$/.test(hex) || hex.length / 2 !== Number(length) || hex.length < 36)
      return 'generic RRSIG data zonegate cannot read';
    const bytes = Buffer.from(hex, 'hex');
    const type = bytes.readUInt16BE(0);
    return { covered: TYPE_NAMES[type] ?? `TYPE${String(type)}`, expires: bytes.readUInt32BE(8) };
  }
  const covered = data[0] ?? '';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(covered)) return 'an RRSIG whose covered type zonegate cannot read';
  const expires = parseSignatureTime(data[4] ?? '');
  if (expires === undefined) return `an RRSIG whose expiration zonegate cannot read (${shown(data[4] ?? 'missing').slice(0, 20)})`;
  return { covered: covered.toUpperCase(), expires };
}

/** Collects the scan record by record; owner names follow $ORIGIN and omitted owners as BIND does. */
export class SignatureScanner {
  private origin: string;
  private owner: string;
  private dnssec = false;
  private signatures = 0;
  private include = false;
  private earliest: EarliestSignature | undefined;
  private problem: { owner: string; why: string } | undefined;

  constructor(zone: string) {
    this.origin = zone.endsWith('.') ? zone : `${zone}.`;
    this.owner = this.origin;
  }

  record(record: ZoneRecordText): void {
    if (this.problem !== undefined) return;
    const first = record.words[0] ?? '';
    if (!record.ownerOmitted && first.startsWith('$')) {
      const directive = first.toUpperCase();
      if (directive === '$ORIGIN' && record.words[1] !== undefined) this.origin = absolute(record.words[1], this.origin);
      if (directive === '$INCLUDE') this.include = true;
      return;
    }
    if (!record.ownerOmitted) this.owner = absolute(first, this.origin);
    const parsed = typeAndData(record);
    if (parsed === undefined) return;
    const type = canonicalType(parsed.type);
    if (type === undefined) {
      this.problem = { owner: shown(this.owner), why: `a record type zonegate cannot read (${shown(parsed.type).slice(0, 20)})` };
      return;
    }
    if (!DNSSEC_TYPES.has(type)) return;
    this.dnssec = true;
    if (type !== 'RRSIG') return;
    this.signatures++;
    const rrsig = readRrsig(parsed.data);
    if (typeof rrsig === 'string') {
      this.problem = { owner: shown(this.owner), why: rrsig };
      return;
    }
    if (this.earliest === undefined || rrsig.expires < this.earliest.expires) this.earliest = { owner: shown(this.owner), ...rrsig };
  }

  result(): SignatureScan {
    if (this.problem !== undefined) return { kind: 'unreadable', ...this.problem };
    if (!this.dnssec) return { kind: 'unsigned' };
    // attack: signatures hidden in an included file would escape the expiry check.
    if (this.include) return { kind: 'unreadable', owner: this.origin, why: 'a signed zone that uses $INCLUDE (zonegate reads one file)' };
    return { kind: 'signed', signatures: this.signatures, earliest: this.earliest };
  }
}

/** Where the reader cannot be sure its records are the server's: refused rather than half-read. */
function readerDoubt(reader: ZoneTextReader): string | undefined {
  if (reader.bareCarriageReturn) return 'a carriage return that does not end a line';
  if (reader.quoteCrossedLine) return 'a quoted string that runs past the end of its line';
  if (reader.unclosedAtEnd) return 'a parenthesis that is never closed';
  return undefined;
}

/** The scan once `reader` has read a whole file into `scanner` (the pre-scan's pass, or one of its own). */
export function finishScan(reader: ZoneTextReader, scanner: SignatureScanner, zone: string): SignatureScan {
  const doubt = readerDoubt(reader);
  if (doubt !== undefined) return { kind: 'unreadable', owner: shown(zone), why: doubt };
  return scanner.result();
}

/** Scans zone text already in memory. */
export function scanSignatureText(text: string, zone: string): SignatureScan {
  const scanner = new SignatureScanner(zone);
  const reader = new ZoneTextReader((record) => {
    scanner.record(record);
  });
  try {
    reader.write(text);
    reader.end();
  } catch {
    return { kind: 'unreadable', owner: shown(zone), why: 'a record longer than 1 MiB' };
  }
  return finishScan(reader, scanner, zone);
}

/** Scans a zone file in chunks, never past `maxBytes` (the zone set's zoneBytes limit). */
export function scanSignatureFile(path: string, zone: string, maxBytes: number): SignatureScan {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes)
      return { kind: 'unreadable', owner: shown(zone), why: `a file of ${String(size)} bytes (limit ${String(maxBytes)})` };
    const scanner = new SignatureScanner(zone);
    const reader = new ZoneTextReader((record) => {
      scanner.record(record);
    });
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.alloc(CHUNK);
    try {
      for (
        let read = 0, total = 0;
        total < size && (read = readSync(fd, buffer, 0, Math.min(CHUNK, size - total), null)) > 0;
        total += read
      )
        reader.write(decoder.write(buffer.subarray(0, read)));
      reader.write(decoder.end());
      reader.end();
    } catch (error) {
      if (error instanceof RangeError) return { kind: 'unreadable', owner: shown(zone), why: 'a record longer than 1 MiB' };
      throw error;
    }
    return finishScan(reader, scanner, zone);
  } finally {
    closeSync(fd);
  }
}
