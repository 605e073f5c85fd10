// Client addresses: the `from` list of a key (IPv4/IPv6 addresses and CIDRs only) and the check of
// the connecting address against it. Hostname patterns are refused on purpose: sshd would then match
// on reverse DNS, which whoever controls the client's PTR records can choose.

import { BlockList, isIP } from 'node:net';

export interface AddressProblem {
  index: number;
  message: string;
}

interface ParsedEntry {
  address: string;
  family: 'ipv4' | 'ipv6';
  prefix: number | undefined;
}

function parseEntry(entry: string): ParsedEntry | string {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (rest.length > 0 || version === 0) {
    if (/[a-z]/i.test(address) && !address.includes(':')) {
      return `${JSON.stringify(entry)} is not an IP address or CIDR; hostnames are refused because sshd would trust reverse DNS for them`;
    }
    return `${JSON.stringify(entry)} is not an IPv4/IPv6 address or CIDR`;
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, family, prefix: undefined };
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return `${JSON.stringify(entry)}: prefix length must be 0–${String(max)}`;
  return { address, family, prefix: Number(prefixText) };
}

/** The first bad entry of a from list, or undefined when all are addresses or CIDRs. */
export function validateAddressList(entries: readonly string[]): AddressProblem | undefined {
  for (const [index, entry] of entries.entries()) {
    const parsed = parseEntry(entry);
    if (typeof parsed === 'string') return { index, message: parsed };
  }
  return undefined;
}

/** Whether a client address (as sshd reports it in SSH_CONNECTION) is inside the from list. */
export function isClientAllowed(client: string, entries: readonly string[]): boolean {
  // sshd on a dual-stack socket may report IPv4 clients as IPv4-mapped IPv6.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(client);
  const address = mapped?.[1] ?? client;
  const version = isIP(address);
  if (version === 0) return false;
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (typeof parsed === 'string') return false;
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
