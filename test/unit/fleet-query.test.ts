// The fleet view's DNS client against a fake responder that sends what a hostile or broken
// secondary might: spoofed ids, answers to other questions, pointer loops, huge and odd answers,
// lying lengths over TCP, unsigned or forged TSIG. Every case must end in a reason, never a serial
// read from a malformed answer, never a hang. (The happy paths against real named, TSIG included,
// are in test/integration/status-fleet.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTarget } from '../../src/admin/status/fleet-query.js';
import type { ZoneAnswer } from '../../src/shared/dns/exchange.js';
import { parseTsigKeyFile } from '../../src/shared/dns/tsig.js';
import { encodeName } from '../../src/shared/dns/wire.js';
import { header, soaAnswer as ok, soaRecord, startFakeDns, u16, u32, zoneOf, type FakeDns } from '../lab/fake-dns.js';

type Reply = (query: Buffer, question: Buffer, id: number) => Buffer[];

// What each zone gets back; the fake server looks the question's name up here.
const replies: Record<string, Reply> = {
  'good.example': (_q, question, id) => [ok(id, question, 2024010101)],
  'max-serial.example': (_q, question, id) => [ok(id, question, 0xffff_ffff)],
  'refused.example': (_q, question, id) => [Buffer.concat([header(id, [1, 0, 0, 0], { rcode: 5 }), question])],
  // attack: an off-path spoofer guesses wrong ids; the real answer never comes.
  'spoofed-id.example': (_q, question, id) => [ok((id + 1) & 0xffff, question, 99)],
  // attack: an answer with our id but for another name (cache-poisoning style): dropped, never read.
  'other-question.example': (_q, _question, id) => [ok(id, Buffer.concat([encodeName('good.example'), u16(6), u16(1)]), 99)],
  // attack: a compression pointer that points at itself would spin a naive reader forever; only
  // pointers to earlier octets are followed, so no chain of them can loop.
  'pointer-loop.example': (_q, question, id) => {
    const loopAt = 12 + question.length;
    return [
      Buffer.concat([
        header(id, [1, 1, 0, 0]),
        question,
        Buffer.from([0xc0 | (loopAt >> 8), loopAt & 0xff]),
        u16(6),
        u16(1),
        u32(0),
        u16(0),
      ]),
    ];
  },
  // attack: a huge answer (60 KB of records) to exhaust the primary: refused by the record cap.
  'huge.example': (_q, question, id) => {
    const records = Array.from({ length: 1000 }, () => soaRecord(encodeName(zoneOf(question)), 1, Buffer.alloc(20)));
    return [Buffer.concat([header(id, [1, 1000, 0, 0]), question, ...records]).subarray(0, 60_000)];
  },
  // attack: two SOAs with different serials: which one is served? Neither is believed.
  'two-soas.example': (_q, question, id) => [
    Buffer.concat([
      header(id, [1, 2, 0, 0]),
      question,
      soaRecord(encodeName(zoneOf(question)), 1),
      soaRecord(encodeName(zoneOf(question)), 2),
    ]),
  ],
  // attack: an SOA whose RDATA is longer than its names and five numbers (smuggled octets).
  'long-soa.example': (_q, question, id) => [
    Buffer.concat([header(id, [1, 1, 0, 0]), question, soaRecord(encodeName(zoneOf(question)), 5, Buffer.from([1, 2, 3]))]),
  ],
  'trailing.example': (_q, question, id) => [Buffer.concat([ok(id, question), Buffer.from('junk')])],
  'short.example': (_q, _question, id) => [u16(id)],
  // An SOA for a name with odd octets (a dot and a NUL inside a label) is not the zone asked.
  'odd-owner.example': (_q, question, id) => [
    Buffer.concat([
      header(id, [1, 1, 0, 0]),
      question,
      soaRecord(Buffer.concat([Buffer.from([3, 0x61, 0x2e, 0x00]), encodeName('example')]), 9),
    ]),
  ],
  'truncated.example': (_q, question, id) => [Buffer.concat([header(id, [1, 0, 0, 0], { tc: true }), question])],
  'tcp-liar.example': (_q, question, id) => [Buffer.concat([header(id, [1, 0, 0, 0], { tc: true }), question])],
  'silent.example': () => [],
  // attack: a man in the middle answers a signed query unsigned, or with a forged MAC.
  'unsigned.example': (_q, question, id) => [ok(id, question)],
  'forged-mac.example': (query, question, id) => {
    const tsig = Buffer.concat([
      encodeName('fleet-key'),
      u16(250),
      u16(255),
      u32(0),
      ...((): Buffer[] => {
        const rdata = Buffer.concat([
          encodeName('hmac-sha256'),
          Buffer.alloc(2),
          u32(Math.floor(Date.now() / 1000)),
          u16(300),
          u16(32),
          Buffer.alloc(32, 7),
          query.subarray(0, 2),
          u16(0),
          u16(0),
        ]);
        return [u16(rdata.length), rdata];
      })(),
    ]);
    return [Buffer.concat([header(id, [1, 1, 0, 1]), question, soaRecord(encodeName(zoneOf(question)), 7), tsig])];
  },
};

let dns: FakeDns;
let port = 0;

beforeAll(async () => {
  dns = await startFakeDns({
    udp: (query, send) => {
      for (const msg of replies[query.zone]?.(query.msg, query.question, query.id) ?? []) send(msg);
    },
    tcp: (query, send) => {
      if (query.zone === 'tcp-liar.example') {
        // attack: the length field says 40 octets, then 4,000 follow.
        send(Buffer.concat([u16(40), Buffer.alloc(4000, 1)]));
        return;
      }
      const answer = ok(query.id, query.question, 4242);
      send(Buffer.concat([u16(answer.length), answer]));
    },
  });
  port = dns.port;
});
afterAll(() => {
  dns.close();
});

const verify = () => ({ server: '127.0.0.1', port, source: undefined, tsigKeyFile: undefined, timeoutSeconds: 1 });

async function ask(zones: string[], tsig = false): Promise<Record<string, ZoneAnswer>> {
  const key = tsig
    ? parseTsigKeyFile(`key "fleet-key" { algorithm hmac-sha256; secret "${Buffer.alloc(32, 1).toString('base64')}"; };`, 'k')
    : undefined;
  const result = await queryTarget(verify(), zones, { window: 8, tries: 1, tsig: key });
  if (result.kind !== 'answers') throw new Error(`unreachable: ${result.why}`);
  return Object.fromEntries(result.zones);
}

describe('the fleet DNS client, against hostile answers', () => {
  it.each([
    ['good.example', { kind: 'serial', serial: 2024010101 }],
    ['max-serial.example', { kind: 'serial', serial: 0xffff_ffff }],
    ['refused.example', { kind: 'no-soa', rcode: 'REFUSED' }],
    ['spoofed-id.example', { kind: 'timeout' }],
    ['other-question.example', { kind: 'timeout' }],
    ['pointer-loop.example', { kind: 'bad-answer', why: 'compression pointer points forward' }],
    ['huge.example', { kind: 'bad-answer', why: expect.stringMatching(/^1000 records in an SOA answer/) as unknown }],
    ['two-soas.example', { kind: 'bad-answer', why: 'more than one SOA for the zone' }],
    ['long-soa.example', { kind: 'bad-answer', why: 'SOA data of the wrong length' }],
    ['trailing.example', { kind: 'bad-answer', why: 'trailing octets after the last record' }],
    ['short.example', { kind: 'bad-answer', why: 'shorter than a DNS header' }],
    ['odd-owner.example', { kind: 'no-soa', rcode: 'NOERROR' }],
    ['truncated.example', { kind: 'serial', serial: 4242 }],
    ['tcp-liar.example', { kind: 'bad-answer', why: 'more octets over TCP than the answer announced' }],
    ['silent.example', { kind: 'timeout' }],
  ])('%s', async (zone, expected) => {
    // The first zone is the reachability probe: a good one, so the zone under test is judged alone.
    const answers = await ask(['good.example', zone]);
    expect(answers[zone]).toEqual(expected);
  });

  it('TSIG: an unsigned answer and a forged MAC are refused, not read', async () => {
    const answers = await ask(['forged-mac.example', 'unsigned.example'], true);
    expect(answers['unsigned.example']).toEqual({ kind: 'bad-answer', why: 'answer not signed (no TSIG)' });
    expect(answers['forged-mac.example']).toEqual({ kind: 'bad-answer', why: 'TSIG signature does not verify' });
  });

  it('a target whose first zone gets no answer is unreachable after one query, not one per zone', async () => {
    const result = await queryTarget(verify(), ['silent.example', ...Array.from({ length: 500 }, (_, i) => `z${String(i)}.example`)], {
      window: 8,
      tries: 1,
      tsig: undefined,
    });
    expect(result).toEqual({ kind: 'unreachable', why: 'no answer within 1 s (1 tries)' });
  });
});

describe('TSIG key files', () => {
  it.each([
    ['key "k" { algorithm hmac-md5; secret "AAAAAAAAAAAAAAAAAAAAAA=="; };', /algorithm must be one of/],
    ['key "k" { algorithm hmac-sha256; secret "AAAA"; };', /16 octets or more/],
    ['', /exactly one key/],
    [
      'key "a" { algorithm hmac-sha256; secret "AAAAAAAAAAAAAAAAAAAAAA=="; }; key "b" { algorithm hmac-sha256; secret "AAAAAAAAAAAAAAAAAAAAAA=="; };',
      /exactly one key/,
    ],
  ])('refuses %j', (text, reason) => {
    expect(() => parseTsigKeyFile(text, 'k')).toThrow(reason);
  });

  it("reads tsig-keygen's output", () => {
    const key = parseTsigKeyFile('key "Fleet-Key." {\n\talgorithm hmac-sha512;\n\tsecret "AAAAAAAAAAAAAAAAAAAAAA==";\n};\n', 'k');
    expect(key).toMatchObject({ name: 'fleet-key', algorithm: 'hmac-sha512' });
  });
});
