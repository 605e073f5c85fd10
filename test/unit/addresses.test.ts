import { describe, expect, it } from 'vitest';
import { isClientAllowed, validateAddressList } from '../../src/shared/addresses.js';

describe('isClientAllowed', () => {
  it.each([
    ['192.0.2.1', ['192.0.2.1'], true],
    ['192.0.2.2', ['192.0.2.1'], false],
    ['192.0.2.200', ['192.0.2.128/25'], true],
    ['192.0.2.20', ['192.0.2.128/25'], false],
    ['2001:db8::5', ['2001:db8::/64'], true],
    ['2001:db9::5', ['2001:db8::/64'], false],
    ['::ffff:192.0.2.1', ['192.0.2.1'], true],
    // attack: an address that is not an address (sshd never sends one, but fail closed).
    ['(unknown)', ['0.0.0.0/0'], false],
    ['', ['0.0.0.0/0'], false],
    ['192.0.2.1 ', ['192.0.2.1'], false],
  ])('%s in %j -> %s', (client, list, expected) => {
    expect(isClientAllowed(client, list)).toBe(expected);
  });
});

describe('validateAddressList', () => {
  it.each([
    [['192.0.2.1', '::1', '10.0.0.0/8', '2001:db8::/32'], undefined],
    [['192.0.2.1', 'host.example'], 1],
    [['*'], 0],
    [['192.0.2.1/'], 0],
    [['192.0.2.1/8/1'], 0],
    [['!192.0.2.1'], 0],
  ])('%j -> bad index %s', (list, index) => {
    expect(validateAddressList(list)?.index).toBe(index);
  });
});
