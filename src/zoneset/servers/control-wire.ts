// BIND's control channel messages (what rndc and named exchange on port 953), written from the
// format in BIND's lib/isccc/cc.c: a 4-byte length, then version 1, then a table whose first entry
// `_auth` holds an HMAC (base64) of every byte after it. A table is a run of (1-byte key length,
// key, value); a value is (1-byte type, 4-byte length, bytes): 0x01 binary data, 0x02 a nested
// table. Strings and numbers travel as binary data (numbers in decimal). Only these two types are
// read: lists (0x03) and the legacy string type never occur in rndc's exchange, so they are refused.
// Loaded only when a reload is sent natively (node:crypto is not part of the gate's start).

import { createHmac, timingSafeEqual } from 'node:crypto';

export type CcValue = Buffer | CcTable;
/** A table keeps its keys' order (the HMAC covers the bytes as sent) and cannot hold a key twice. */
export type CcTable = Map<string, CcValue>;

/** rndc's algorithms, with the number BIND puts before a non-MD5 HMAC (its DST algorithm numbers). */
export const CONTROL_ALGORITHMS = {
  'hmac-md5': { hash: 'md5', code: 157 },
  'hmac-sha1': { hash: 'sha1', code: 161 },
  'hmac-sha224': { hash: 'sha224', code: 162 },
  'hmac-sha256': { hash: 'sha256', code: 163 },
  'hmac-sha384': { hash: 'sha384', code: 164 },
  'hmac-sha512': { hash: 'sha512', code: 165 },
} as const;
export type ControlAlgorithm = keyof typeof CONTROL_ALGORITHMS;

export interface ControlKey {
  algorithm: ControlAlgorithm;
  secret: Buffer;
}

/** The largest message we read: named's answers to reload/reconfig are a few hundred bytes. */
export const MAX_MESSAGE = 64 * 1024;
/** Nesting named never exceeds (message → _ctrl/_data → value); deeper is refused. */
const MAX_DEPTH = 3;
const TYPE_BINARY = 0x01;
const TYPE_TABLE = 0x02;
/** The HMAC field's size in BIND's layout: 22 base64 chars for MD5; 1 algorithm byte + 88 for the SHAs. */
const MD5_FIELD = 22;
const SHA_FIELD = 88;

export class WireError extends Error {}

/** A table's entries as on the wire (without a type and length of its own). */
export function encodeTable(table: CcTable): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of table) {
    const name = Buffer.from(key, 'latin1');
    if (name.length > 255) throw new WireError('key too long');
    const body = Buffer.isBuffer(value) ? value : encodeTable(value);
    const head = Buffer.alloc(6 + name.length);
    head.writeUInt8(name.length, 0);
    name.copy(head, 1);
    head.writeUInt8(Buffer.isBuffer(value) ? TYPE_BINARY : TYPE_TABLE, 1 + name.length);
    head.writeUInt32BE(body.length, 2 + name.length);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

/** The HMAC field as BIND writes it: base64 of the digest, cut (MD5) or zero-padded (SHA) to its size. */
function hmacField(key: ControlKey, signed: Buffer): Buffer {
  const { hash, code } = CONTROL_ALGORITHMS[key.algorithm];
  const b64 = Buffer.from(createHmac(hash, key.secret).update(signed).digest('base64'), 'latin1');
  if (key.algorithm === 'hmac-md5') return b64.subarray(0, MD5_FIELD);
  const field = Buffer.alloc(1 + SHA_FIELD);
  field.writeUInt8(code, 0);
  b64.copy(field, 1, 0, SHA_FIELD);
  return field;
}

const authName = (key: ControlKey): string => (key.algorithm === 'hmac-md5' ? 'hmd5' : 'hsha');

/** One framed message: length, version 1, `_auth` signing the encoded `body`. */
export function encodeMessage(key: ControlKey, body: CcTable): Buffer {
  return frameSigned(key, encodeTable(body));
}

/** Frames already encoded table entries `signed` with their `_auth`. */
export function frameSigned(key: ControlKey, signed: Buffer): Buffer {
  const auth = encodeTable(new Map([['_auth', new Map([[authName(key), hmacField(key, signed)]])]]));
  const frame = Buffer.alloc(8);
  frame.writeUInt32BE(4 + auth.length + signed.length, 0);
  frame.writeUInt32BE(1, 4);
  return Buffer.concat([frame, auth, signed]);
}

/** Reads a table from `bytes` (hostile): every length checked against what is left, no key twice. */
function decodeTable(bytes: Buffer, depth: number): CcTable {
  if (depth > MAX_DEPTH) throw new WireError('tables nested too deep');
  const table: CcTable = new Map();
  let at = 0;
  while (at < bytes.length) {
    const keyLength = bytes.readUInt8(at);
    if (at + 1 + keyLength + 5 > bytes.length) throw new WireError('truncated entry');
    const key = bytes.toString('latin1', at + 1, at + 1 + keyLength);
    at += 1 + keyLength;
    const type = bytes.readUInt8(at);
    const length = bytes.readUInt32BE(at + 1);
    at += 5;
    if (length > bytes.length - at) throw new WireError('truncated value');
    const value = bytes.subarray(at, at + length);
    at += length;
    if (table.has(key)) throw new WireError('duplicate key');
    if (type === TYPE_BINARY) table.set(key, value);
    else if (type === TYPE_TABLE) table.set(key, decodeTable(value, depth + 1));
    else throw new WireError(`value type ${String(type)} not expected`);
  }
  return table;
}

/**
 * The body of one message (without its 4-byte length), checked: version 1, `_auth` first and
 * alone in its table with a field of the key's algorithm, and an HMAC over the rest that matches.
 */
export function decodeMessage(key: ControlKey, message: Buffer): CcTable {
  if (message.length < 4 || message.readUInt32BE(0) !== 1) throw new WireError('not protocol version 1');
  // The `_auth` entry (key length 5 at byte 4, type at 10, length at 11) is read alone first: the
  // signed bytes are exactly those after it.
  if (message.length < 15 || message.readUInt8(4) !== 5 || message.toString('latin1', 5, 10) !== '_auth')
    throw new WireError('no _auth first');
  const authEnd = 15 + message.readUInt32BE(11);
  if (message.readUInt8(10) !== TYPE_TABLE || authEnd > message.length) throw new WireError('bad _auth');
  const auth = decodeTable(message.subarray(4, authEnd), 0).get('_auth');
  const field = auth instanceof Map && auth.size === 1 ? auth.get(authName(key)) : undefined;
  if (!Buffer.isBuffer(field)) throw new WireError('no HMAC for the key algorithm');
  const signed = message.subarray(authEnd);
  const expected = hmacField(key, signed);
  if (field.length !== expected.length || !timingSafeEqual(field, expected)) throw new WireError('HMAC does not match');
  return decodeTable(signed, 0);
}

/** A text value of `table` (undefined when absent); a table where text belongs is refused. */
export function textOf(table: CcValue | undefined, key: string): string | undefined {
  if (!(table instanceof Map)) return undefined;
  const value = table.get(key);
  if (value === undefined) return undefined;
  if (!Buffer.isBuffer(value)) throw new WireError(`${key} is not text`);
  return value.toString('utf8');
}
