// TSIG (RFC 8945) for SOA queries (the fleet view signs when a target's view is matched on a key):
// sign a query with a shared key, and verify that the answer is signed with the same key over our
// request MAC. A view matched on a key (match-clients { key "…"; }) answers only signed queries;
// an answer that is unsigned, signed with another key, tampered with or out of the time window is
// refused, never read.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CLASS_ANY, encodeName, readName, TYPE_TSIG, WireError, type ResourceRecord } from './wire.js';

const ALGORITHMS: Readonly<Record<string, string>> = { 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' };
const FUDGE = 300;
const TSIG_ERRORS: Readonly<Record<number, string>> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

export interface TsigKey {
  name: string;
  algorithm: string;
  secret: Buffer;
}

/** Reads one `key "NAME" { algorithm hmac-sha256; secret "BASE64"; };` (tsig-keygen's output, named's syntax). */
export function parseTsigKeyFile(text: string, file: string): TsigKey {
  const stripped = text.replace(/(?:#|\/\/)[^\n]*/g, '');
  const keys = [...stripped.matchAll(/\bkey\s+"?([A-Za-z0-9._-]{1,253})"?\s*\{([^{}]*)\}\s*;/g)];
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === undefined) throw new Error(`${file}: expected exactly one key "NAME" { algorithm …; secret "…"; }; statement`);
  const body = only[2] ?? '';
  const algorithm = /\balgorithm\s+"?([A-Za-z0-9-]+)"?\s*;/.exec(body)?.[1]?.toLowerCase();
  const secret = /\bsecret\s+"([A-Za-z0-9+/=\s]+)"\s*;/.exec(body)?.[1]?.replace(/\s/g, '');
  if (algorithm === undefined || ALGORITHMS[algorithm] === undefined)
    throw new Error(`${file}: the key's algorithm must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  if (secret === undefined || Buffer.from(secret, 'base64').length < 16)
    throw new Error(`${file}: the key needs a base64 secret of 16 octets or more`);
  return { name: (only[1] ?? '').toLowerCase().replace(/\.$/, ''), algorithm, secret: Buffer.from(secret, 'base64') };
}

export function readTsigKeyFile(file: string): TsigKey {
  return parseTsigKeyFile(readFileSync(file, 'utf8'), file);
}

const u16 = (value: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
};

const time48 = (seconds: number): Buffer => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(seconds, 0, 6);
  return b;
};

/** The TSIG variables (RFC 8945 §4.3.3): key name, class, TTL, algorithm, time, fudge, error, other data. */
function variables(key: TsigKey, klass: number, ttl: number, signed: Buffer, error: number, other: Buffer): Buffer {
  const ttlBytes = Buffer.alloc(4);
  ttlBytes.writeUInt32BE(ttl);
  return Buffer.concat([
    encodeName(key.name),
    u16(klass),
    ttlBytes,
    encodeName(key.algorithm),
    signed,
    u16(FUDGE),
    u16(error),
    u16(other.length),
    other,
  ]);
}

const hmac = (key: TsigKey, parts: Buffer[]): Buffer => {
  const h = createHmac(ALGORITHMS[key.algorithm] ?? 'sha256', key.secret);
  for (const part of parts) h.update(part);
  return h.digest();
};

/** The signed query (TSIG appended, ARCOUNT raised) and its MAC, which the answer's MAC covers. */
export function signQuery(query: Buffer, key: TsigKey, nowSeconds: number): { wire: Buffer; mac: Buffer } {
  const signed = time48(nowSeconds);
  const mac = hmac(key, [query, variables(key, CLASS_ANY, 0, signed, 0, Buffer.alloc(0))]);
  const rdata = Buffer.concat([encodeName(key.algorithm), signed, u16(FUDGE), u16(mac.length), mac, query.subarray(0, 2), u16(0), u16(0)]);
  const rr = Buffer.concat([encodeName(key.name), u16(TYPE_TSIG), u16(CLASS_ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(query.readUInt16BE(10) + 1, 10);
  return { wire: Buffer.concat([header, query.subarray(12), rr]), mac };
}

/**
 * Checks the answer's TSIG: it must be the last record, name our key and algorithm, carry no TSIG
 * error, be inside the time window, and its MAC must cover our request MAC and the answer.
 * Throws WireError naming what is wrong.
 */
export function verifyAnswer(
  msg: Buffer,
  records: readonly ResourceRecord[],
  arcount: number,
  key: TsigKey,
  requestMac: Buffer,
  nowSeconds: number,
): void {
  const last = records.at(-1);
  if (records.slice(0, -1).some((r) => r.type === TYPE_TSIG)) throw new WireError('a TSIG record that is not the last one');
  if (last?.type !== TYPE_TSIG || arcount < 1) throw new WireError('answer not signed (no TSIG)');
  if (last.name !== key.name) throw new WireError('answer signed with another key');
  if (last.klass !== CLASS_ANY || last.ttl !== 0) throw new WireError('TSIG record with a class other than ANY or a TTL');
  const end = last.end;
  const data = msg.subarray(0, end);
  const algorithm = readName(data, last.rdata);
  if (algorithm.name !== key.algorithm) throw new WireError('answer signed with another algorithm');
  let at = algorithm.next;
  if (at + 10 > end) throw new WireError('TSIG data cut off');
  const signed = msg.subarray(at, at + 6);
  const fudge = msg.readUInt16BE(at + 6);
  const macSize = msg.readUInt16BE(at + 8);
  at += 10;
  if (at + macSize + 6 > end) throw new WireError('TSIG MAC cut off');
  const mac = msg.subarray(at, at + macSize);
  const originalId = msg.subarray(at + macSize, at + macSize + 2);
  const error = msg.readUInt16BE(at + macSize + 2);
  const otherLength = msg.readUInt16BE(at + macSize + 4);
  at += macSize + 6;
  if (at + otherLength !== end) throw new WireError('TSIG data of the wrong length');
  if (error !== 0) throw new WireError(`the server refused our TSIG: ${TSIG_ERRORS[error] ?? `error ${String(error)}`}`);
  const unsigned = Buffer.from(msg.subarray(0, last.start));
  originalId.copy(unsigned, 0);
  unsigned.writeUInt16BE(arcount - 1, 10);
  const vars = Buffer.concat([
    encodeName(key.name),
    u16(CLASS_ANY),
    Buffer.alloc(4),
    encodeName(key.algorithm),
    signed,
    u16(fudge),
    u16(error),
    u16(otherLength),
    msg.subarray(at - otherLength, at),
  ]);
  const expected = hmac(key, [u16(requestMac.length), requestMac, unsigned, vars]);
  // Truncated MACs (RFC 8945 §5.2.2.1) are not accepted: a full-length MAC or nothing.
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new WireError('TSIG signature does not verify');
  if (Math.abs(nowSeconds - signed.readUIntBE(0, 6)) > fudge) throw new WireError('TSIG time outside the fudge window');
}
