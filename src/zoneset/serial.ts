// SOA serials: RFC 1982 comparison, and reading the serial of a zone file when no checker told us.

import { typeAndData, ZoneTextReader, type ZoneRecordText } from './zone-text.js';

/** Whether serial b is "greater than" a in RFC 1982 serial number arithmetic (32-bit). */
export function serialIncreased(a: number, b: number): boolean {
  const difference = (b - a + 0x1_0000_0000) % 0x1_0000_0000;
  return difference !== 0 && difference < 0x8000_0000;
}

/**
 * The serial of the first SOA record in zone-file text, read record by record the way BIND does
 * (owner, TTL and class skipped, so `aaa IN TXT SOA x y z` is a TXT record) and in RFC 3597's
 * generic form too (`@ IN TYPE6 \# 22 …`). Undefined when the first SOA record has no readable
 * serial: callers refuse then, never skip the comparison. The checker's own "loaded serial" wins
 * where a checker is configured; this is what runs without one.
 */
export function readSoaSerial(text: string): number | undefined {
  let found: { serial: number | undefined } | undefined;
  const reader = new ZoneTextReader((record) => {
    if (found === undefined) found = soaSerialOf(record);
  });
  try {
    reader.write(text);
    reader.end();
  } catch {
    return undefined;
  }
  return found?.serial;
}

/** `{serial}` when the record is an SOA (serial undefined if unreadable); undefined when it is not. */
function soaSerialOf(record: ZoneRecordText): { serial: number | undefined } | undefined {
  const parsed = typeAndData(record);
  if (parsed === undefined) return undefined;
  if (parsed.type === 'SOA') {
    const word = parsed.data[2];
    const serial = word !== undefined && /^\d{1,10}$/.test(word) ? Number(word) : undefined;
    return { serial: serial !== undefined && serial <= 0xffff_ffff ? serial : undefined };
  }
  if (parsed.type === 'TYPE6') return { serial: genericSoaSerial(parsed.data) };
  return undefined;
}

/** RFC 3597: `\# LENGTH HEX…`; the SOA's wire form is MNAME, RNAME, then the 32-bit serial. */
function genericSoaSerial(data: readonly string[]): number | undefined {
  if (data[0] !== '\\#' || data[1] === undefined || !/^\d{1,5}$/.test(data[1])) return undefined;
  const hex = data.slice(2).join('');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex) || hex.length / 2 !== Number(data[1])) return undefined;
  const bytes = Buffer.from(hex, 'hex');
  let at = 0;
  for (let name = 0; name < 2; name++) {
    // Uncompressed labels only (RFC 3597 §4: no compression in generic rdata), ending with the root.
    for (;;) {
      const length = bytes[at];
      if (length === undefined || length > 63) return undefined;
      at += 1 + length;
      if (length === 0) break;
    }
  }
  return at + 20 === bytes.length ? bytes.readUInt32BE(at) : undefined;
}
