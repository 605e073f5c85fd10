// A zone set's verify step asks its server for served serials in-process (src/shared/dns): here
// against a fake server on loopback that sends what a compromised or confused server might, and
// against a fake exchange for the window. A zone whose answer is not a well-formed SOA for exactly
// the question asked must be absent from the map (so verify rolls back or the served check
// reloads it), never carry a serial read from a hostile answer. The happy paths with real named,
// NSD and Knot are the zone-set integration tests (zoneset-named, zoneset-nsd, zoneset-knot; views
// matched on the source address in zoneset-named).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askZones } from '../../src/shared/dns/ask-zones.js';
import type { ZoneAnswer } from '../../src/shared/dns/exchange.js';
import { encodeName } from '../../src/shared/dns/wire.js';
import { servedSerials, VERIFY_WINDOW, verifySerials } from '../../src/zoneset/reload.js';
import { zoneSetSettings } from '../helpers/policy.js';
import { header, soaAnswer, soaRecord, startFakeDns, u16, type FakeDns, type FakeQuery } from '../lab/fake-dns.js';
import { until } from '../lab/wait.js';

type Reply = (query: FakeQuery, send: (msg: Buffer) => void) => void;

const other = (zone: string): Buffer => Buffer.concat([encodeName(zone), u16(6), u16(1)]);

/** How many times each zone has been asked, for the polling cases. */
const asked = new Map<string, number>();
const count = (zone: string): number => {
  asked.set(zone, (asked.get(zone) ?? 0) + 1);
  return asked.get(zone) ?? 0;
};

const replies: Record<string, Reply> = {
  'good.example': (q, send) => {
    send(soaAnswer(q.id, q.question, 2026112601));
  },
  'mixed-case.example': (q, send) => {
    send(soaAnswer(q.id, q.question, 5));
  },
  // NSD's answer for a zone it rejected: SERVFAIL, no SOA.
  'servfail.example': (q, send) => {
    send(Buffer.concat([header(q.id, [1, 0, 0, 0], { rcode: 2 }), q.question]));
  },
  // attack: an off-path spoofer guesses the id wrong; the real answer never comes.
  'spoofed-id.example': (q, send) => {
    send(soaAnswer((q.id + 1) & 0xffff, q.question, 99));
  },
  // attack: our id, but the answer (and serial) of another zone, as a server that mixes up its
  // answers would send: not believed for either zone.
  'swapped.example': (q, send) => {
    send(soaAnswer(q.id, other('good.example'), 99));
  },
  // attack: an SOA for another owner in the answer section of a NOERROR reply.
  'other-owner.example': (q, send) => {
    send(Buffer.concat([header(q.id, [1, 1, 0, 0]), q.question, soaRecord(encodeName('good.example'), 99)]));
  },
  // attack: two SOAs with different serials: which one is served? Neither is believed.
  'two-soas.example': (q, send) => {
    send(Buffer.concat([header(q.id, [1, 2, 0, 0]), q.question, soaRecord(encodeName(q.zone), 1), soaRecord(encodeName(q.zone), 2)]));
  },
  // attack: 1,000 records to exhaust the gate: refused by the record cap, unread.
  'huge.example': (q, send) => {
    const records = Array.from({ length: 1000 }, () => soaRecord(encodeName(q.zone), 1, Buffer.alloc(20)));
    send(Buffer.concat([header(q.id, [1, 1000, 0, 0]), q.question, ...records]).subarray(0, 60_000));
  },
  // attack: a compression pointer to itself would spin a naive reader forever.
  'pointer-loop.example': (q, send) => {
    const at = 12 + q.question.length;
    send(Buffer.concat([header(q.id, [1, 1, 0, 0]), q.question, Buffer.from([0xc0 | (at >> 8), at & 0xff]), u16(6), u16(1)]));
  },
  'short.example': (q, send) => {
    send(u16(q.id));
  },
  // Truncated over UDP: asked again over TCP, where the fake server answers 4242.
  'truncated.example': (q, send) => {
    send(Buffer.concat([header(q.id, [1, 0, 0, 0], { tc: true }), q.question]));
  },
  'silent.example': () => undefined,
  // Polling: the old serial twice, then the new one (a reload named takes a moment to load).
  'slow.example': (q, send) => {
    send(soaAnswer(q.id, q.question, count(q.zone) <= 2 ? 1 : 2));
  },
  'fast.example': (q, send) => {
    count(q.zone);
    send(soaAnswer(q.id, q.question, 2));
  },
  // A zone the server never takes: always the old serial.
  'rejected.example': (q, send) => {
    count(q.zone);
    send(soaAnswer(q.id, q.question, 1));
  },
};

/** Zones n0.bulk … answer their own number, in batches of 16 sent back in reverse order. */
let held: FakeQuery[] = [];
let bulkLeft = 0;
function bulk(q: FakeQuery, send: (msg: Buffer) => void): void {
  held.push(q);
  if (held.length < Math.min(16, bulkLeft)) return;
  for (const query of held.reverse()) send(soaAnswer(query.id, query.question, Number(/^n(\d+)\./.exec(query.zone)?.[1] ?? -1)));
  bulkLeft -= held.length;
  held = [];
}

let dns: FakeDns;
beforeAll(async () => {
  // Every loopback address, so a query sent from verify.source 127.0.0.2 is heard too.
  dns = await startFakeDns({
    address: '0.0.0.0',
    udp: (q, send) => {
      if (q.zone.endsWith('.bulk')) bulk(q, send);
      else replies[q.zone]?.(q, send);
    },
    tcp: (q, send) => {
      const answer = soaAnswer(q.id, q.question, 4242);
      send(Buffer.concat([u16(answer.length), answer]));
    },
  });
});
afterAll(() => {
  dns.close();
});

const settings = (verify: Record<string, unknown> = {}) =>
  zoneSetSettings({ verify: { server: '127.0.0.1', port: dns.port, timeoutSeconds: 1, ...verify } });

describe('served serials from a hostile server', () => {
  it('keeps only well-formed SOAs for the zone asked; every other answer leaves its zone out', async () => {
    const zones = Object.keys(replies).filter((zone) => !['slow.example', 'fast.example', 'rejected.example'].includes(zone));
    const served = await servedSerials(settings(), [...zones.map((z) => (z === 'mixed-case.example' ? 'Mixed-Case.Example' : z))]);
    expect(Object.fromEntries(served)).toEqual({ 'good.example': 2026112601, 'mixed-case.example': 5, 'truncated.example': 4242 });
  });

  it('ties each answer to its query by id and question, whatever order they come back in', async () => {
    const zones = Array.from({ length: 500 }, (_, i) => `n${String(i)}.bulk`);
    bulkLeft = zones.length;
    const before = dns.queries.length;
    const served = await servedSerials(settings(), zones);
    expect(Object.fromEntries(served)).toEqual(Object.fromEntries(zones.map((zone, i) => [zone, i])));
    // One query a zone: nothing was asked twice, nothing left out.
    expect(dns.queries.slice(before).map((q) => q.zone)).toHaveLength(500);
  });

  it('sends from verify.source, so the query lands in the view matched on that address', async () => {
    const before = dns.queries.length;
    const served = await servedSerials(settings({ source: '127.0.0.2' }), ['good.example']);
    expect(served.get('good.example')).toBe(2026112601);
    expect(dns.queries.slice(before).map((q) => q.from)).toEqual(['127.0.0.2']);
  });

  it('a source address this host does not have: nothing answered, nothing thrown', async () => {
    expect((await servedSerials(settings({ source: '192.0.2.77' }), ['good.example'])).size).toBe(0);
  });
});

describe('polling after a reload', () => {
  it('asks again only the zones still waiting, until each serves its new serial', async () => {
    asked.clear();
    expect(await verifySerials(settings(), { 'slow.example': 2, 'fast.example': 2 })).toEqual([]);
    expect(Object.fromEntries(asked)).toEqual({ 'slow.example': 3, 'fast.example': 1 });
  });

  it('a zone the server never takes is returned at the deadline; the others are not asked again', async () => {
    asked.clear();
    expect(await verifySerials(settings(), { 'rejected.example': 2, 'fast.example': 2 })).toEqual(['rejected.example']);
    expect(asked.get('fast.example')).toBe(1);
    expect(asked.get('rejected.example')).toBeGreaterThan(1);
  });
});

describe('the query window', () => {
  /** An exchange whose answers the test releases: counts the queries in flight. */
  function heldExchange(answer: (zone: string) => ZoneAnswer) {
    const waiting: (() => void)[] = [];
    const state = { inFlight: 0, most: 0, asked: 0 };
    const exchange = {
      failed: undefined,
      ask: (zone: string): Promise<ZoneAnswer> => {
        state.asked++;
        state.most = Math.max(state.most, ++state.inFlight);
        return new Promise((resolve) =>
          waiting.push(() => {
            state.inFlight--;
            resolve(answer(zone));
          }),
        );
      },
    };
    const releaseAll = (): void => {
      for (const release of waiting.splice(0)) release();
    };
    return { exchange, state, waiting, releaseAll };
  }

  it(`keeps at most ${String(VERIFY_WINDOW)} queries in flight, and that many while zones are left`, async () => {
    const zones = Array.from({ length: 1000 }, (_, i) => `z${String(i)}.example`);
    const { exchange, state, waiting, releaseAll } = heldExchange(() => ({ kind: 'serial', serial: 1 }));
    const done = askZones(exchange, zones, { window: VERIFY_WINDOW });
    while (state.asked < zones.length) {
      // Full: every worker waits on an answer (a sequential client never gets here and hangs).
      await until(() => waiting.length >= Math.min(VERIFY_WINDOW, zones.length - state.asked + waiting.length), 'the window to fill');
      releaseAll();
    }
    releaseAll();
    expect((await done).size).toBe(1000);
    expect(state.most).toBe(VERIFY_WINDOW);
  });

  it('a server that answers nothing costs one timeout, not one per zone', async () => {
    const zones = Array.from({ length: 1000 }, (_, i) => `z${String(i)}.example`);
    const { exchange, state, releaseAll, waiting } = heldExchange(() => ({ kind: 'timeout' }));
    const done = askZones(exchange, zones, { window: 8 });
    await until(() => waiting.length === 8, 'the first window');
    releaseAll();
    const answers = await done;
    expect(state.asked).toBe(8);
    expect([...answers.values()].every((answer) => answer.kind === 'timeout')).toBe(true);
    expect(answers.size).toBe(1000);
  });

  it('sends nothing after `until`: the zones not asked are timeouts', async () => {
    const { exchange, state } = heldExchange(() => ({ kind: 'serial', serial: 1 }));
    const answers = await askZones(exchange, ['a.example', 'b.example'], { window: 8, until: Date.now() - 1 });
    expect(state.asked).toBe(0);
    expect(Object.fromEntries(answers)).toEqual({ 'a.example': { kind: 'timeout' }, 'b.example': { kind: 'timeout' } });
  });
});
