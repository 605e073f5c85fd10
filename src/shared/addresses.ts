// Client addresses: the `from` list of a key (IPv4/IPv6 addresses and CIDRs only) and the check of
// the connecting address against it. Hostname patterns are refused on purpose: sshd would then match
// on reverse DNS, which whoever controls the client's PTR records can choose.

import { inPrefix, parseIp, unmapIPv4 } from './ip.js';

export interface AddressProblem {
  index: number;
  message: string;
}

interface ParsedEntry {
  bytes: number[];
  prefix: number;
}

function parseEntry(entry: string): ParsedEntry | string {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const bytes = parseIp(address);
  if (rest.length > 0 || bytes === undefined) {
    if (/[a-z]/i.test(address) && !address.includes(':')) {
      return `${JSON.stringify(entry)} is not an IP address or CIDR; hostnames are refused because sshd would trust reverse DNS for them`;
    }
    return `${JSON.stringify(entry)} is not an IPv4/IPv6 address or CIDR`;
  }
  const max = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return `${JSON.stringify(entry)}: prefix length must be 0–${String(max)}`;
  return { bytes, prefix: Number(prefixText) };
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
  const parsed = parseIp(client);
  if (parsed === undefined) return false;
  // sshd on a dual-stack socket may report IPv4 clients as IPv4-mapped IPv6.
  const address = unmapIPv4(parsed);
  return entries.some((entry) => {
    const network = parseEntry(entry);
    return typeof network !== 'string' && inPrefix(address, network.bytes, network.prefix);
  });
}
