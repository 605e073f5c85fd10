// The hand-written IP parser and prefix match (src/shared/ip.ts) against node:net on random input.
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClientAllowed } from '../../src/shared/addresses.js';
import { parseIp } from '../../src/shared/ip.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((bytes) => bytes.join('.'));
const v6 = fc.ipV6();
const mutated = fc
  .oneof(v4, v6)
  .chain((address) =>
    fc
      .tuple(fc.nat(address.length), fc.constantFrom('', ':', '::', '.', '0', 'f', 'g', '1.2', '%eth0', ' '))
      .map(([at, insert]) => address.slice(0, at) + insert + address.slice(at + 1)),
  );

describe('parseIp agrees with node:net isIP', () => {
  it('on valid and mutated addresses', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6, mutated, fc.string()), (text) => {
        // node:net accepts IPv6 zone ids (fe80::1%eth0); sshd never reports one, and we refuse them.
        const expected = isIP(text) !== 0 && !text.includes('%');
        expect(parseIp(text) !== undefined).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isClientAllowed agrees with node:net BlockList', () => {
  it('on random IPv4 prefixes', () => {
    fc.assert(
      fc.property(v4, v4, fc.integer({ min: 0, max: 32 }), (client, network, prefix) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, 'ipv4');
        expect(isClientAllowed(client, [`${network}/${String(prefix)}`])).toBe(list.check(client, 'ipv4'));
      }),
      { numRuns: 2000 },
    );
  });

  it('on random IPv6 prefixes', () => {
    fc.assert(
      fc.property(v6, v6, fc.integer({ min: 0, max: 128 }), (client, network, prefix) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, 'ipv6');
        expect(isClientAllowed(client, [`${network}/${String(prefix)}`])).toBe(list.check(client, 'ipv6'));
      }),
      { numRuns: 2000 },
    );
  });
});
