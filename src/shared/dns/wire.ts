// DNS messages (pure): an SOA query, and the reading of an answer that a server sent (a secondary
// to the fleet view, the zone set's own server to its verify step). The answer is hostile input: every length is checked against the message, a
// compressed name may not loop or run past 255 octets, counts are capped, and only an SOA for
// exactly the zone asked, in class IN, with a well-formed RDATA, yields a serial.

export const TYPE_SOA = 6;
export const TYPE_TSIG = 250;
export const CLASS_IN = 1;
export const CLASS_ANY = 255;
/** More records than this in one answer to an SOA query is not a server being generous. */
const MAX_RECORDS = 64;

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH'];

export class WireError extends Error {}

/** A zone name (no trailing dot, as zoneOfFile gives it) in wire form; lower case, so answers compare exactly. */
export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new WireError(`label longer than 63 octets in ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new WireError(`name longer than 255 octets: ${name}`);
  return wire;
}

/** A query for `zone` SOA, class IN, recursion not desired (a secondary answers from its own zones). */
export function buildSoaQuery(id: number, zone: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE_SOA, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(zone), tail]);
}

/** Reads a (possibly compressed) name at `offset`: its lower-case text and the offset after it. */
export function readName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  let next: number | undefined;
  let length = 1;
  for (let jumps = 0; ;) {
    const len = msg[at];
    if (len === undefined) throw new WireError('name runs past the end of the message');
    if ((len & 0xc0) === 0xc0) {
      const low = msg[at + 1];
      if (low === undefined) throw new WireError('compression pointer cut off');
      // attack: a pointer loop (or a chain of pointers) would spin forever; a name has at most 127 labels.
      if (++jumps > 127) throw new WireError('compression pointer loop');
      next ??= at + 2;
      const target = ((len & 0x3f) << 8) | low;
      if (target >= at) throw new WireError('compression pointer points forward');
      at = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new WireError('unknown label type');
    if (len === 0) return { name: labels.join('.'), next: next ?? at + 1 };
    length += len + 1;
    if (length > 255) throw new WireError('name longer than 255 octets');
    if (at + 1 + len > msg.length) throw new WireError('label runs past the end of the message');
    labels.push(labelText(msg.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
}

/** A label as text, every octet outside letters, digits, - and _ escaped (\DDD), so it is safe to show. */
function labelText(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte).toLowerCase();
    out += /[a-z0-9_-]/.test(ch) ? ch : `\\${String(byte).padStart(3, '0')}`;
  }
  return out;
}

export interface ResourceRecord {
  name: string;
  type: number;
  klass: number;
  ttl: number;
  /** Where the record starts and where its RDATA starts and ends, in the message. */
  start: number;
  rdata: number;
  end: number;
}

function readRecord(msg: Buffer, offset: number): ResourceRecord {
  const { name, next } = readName(msg, offset);
  if (next + 10 > msg.length) throw new WireError('record header cut off');
  const rdlength = msg.readUInt16BE(next + 8);
  const end = next + 10 + rdlength;
  if (end > msg.length) throw new WireError('record data runs past the end of the message');
  return {
    name,
    type: msg.readUInt16BE(next),
    klass: msg.readUInt16BE(next + 2),
    ttl: msg.readUInt32BE(next + 4),
    start: offset,
    rdata: next + 10,
    end,
  };
}

export interface ParsedAnswer {
  id: number;
  rcode: number;
  truncated: boolean;
  /** The SOA serial for the zone asked, when the answer section holds exactly one such SOA. */
  serial: number | undefined;
  /** Every record after the question, in order (answer, authority, additional). */
  records: ResourceRecord[];
  arcount: number;
}

/**
 * Reads an answer to buildSoaQuery(id, zone). Throws WireError for anything that is not a
 * well-formed response to that exact question; a TC answer is returned (truncated) for a TCP retry.
 */
export function parseSoaAnswer(msg: Buffer, id: number, zone: string): ParsedAnswer {
  if (msg.length < 12) throw new WireError('shorter than a DNS header');
  if (msg.readUInt16BE(0) !== id) throw new WireError('answer to another query (id)');
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new WireError('not a response');
  if (((flags >> 11) & 0xf) !== 0) throw new WireError('not a standard query response');
  const truncated = (flags & 0x0200) !== 0;
  const rcode = flags & 0xf;
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((at) => msg.readUInt16BE(at)) as [number, number, number, number];
  if (qd !== 1) throw new WireError(`${String(qd)} questions in the answer`);
  const question = readName(msg, 12);
  const want = zone.replace(/\.$/, '').toLowerCase();
  if (question.next + 4 > msg.length) throw new WireError('question cut off');
  if (question.name !== want || msg.readUInt16BE(question.next) !== TYPE_SOA || msg.readUInt16BE(question.next + 2) !== CLASS_IN)
    throw new WireError('answer to another question');
  if (truncated) return { id, rcode, truncated, serial: undefined, records: [], arcount: ar };
  if (an + ns + ar > MAX_RECORDS) throw new WireError(`${String(an + ns + ar)} records in an SOA answer (at most ${String(MAX_RECORDS)})`);
  const records: ResourceRecord[] = [];
  let at = question.next + 4;
  for (let i = 0; i < an + ns + ar; i++) {
    const record = readRecord(msg, at);
    records.push(record);
    at = record.end;
  }
  if (at !== msg.length) throw new WireError('trailing octets after the last record');
  const soas = records.slice(0, an).filter((r) => r.type === TYPE_SOA && r.name === want && r.klass === CLASS_IN);
  if (soas.length > 1) throw new WireError('more than one SOA for the zone');
  const soa = soas[0];
  return { id, rcode, truncated, serial: soa === undefined ? undefined : soaSerial(msg, soa), records, arcount: ar };
}

/** MNAME, RNAME, then exactly five 32-bit numbers; the first is the serial. */
function soaSerial(msg: Buffer, record: ResourceRecord): number {
  const data = msg.subarray(0, record.end);
  const mname = readName(data, record.rdata);
  const rname = readName(data, mname.next);
  if (rname.next + 20 !== record.end) throw new WireError('SOA data of the wrong length');
  return msg.readUInt32BE(rname.next);
}
