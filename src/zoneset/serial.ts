// SOA serials: RFC 1982 comparison, and reading the serial of a zone file when no checker told us.

/** Whether serial b is "greater than" a in RFC 1982 serial number arithmetic (32-bit). */
export function serialIncreased(a: number, b: number): boolean {
  const difference = (b - a + 0x1_0000_0000) % 0x1_0000_0000;
  return difference !== 0 && difference < 0x8000_0000;
}

/**
 * The serial of the first SOA record in zone-file text: comments stripped, parentheses joined.
 * A fallback for zone sets without a checker; the checker's own "loaded serial" wins otherwise.
 */
export function readSoaSerial(text: string): number | undefined {
  const withoutComments = text.replace(/"(?:[^"\\]|\\.)*"|;[^\n]*/g, (match) => (match.startsWith(';') ? '' : match));
  const joined = withoutComments.replace(/\([^)]*\)/g, (group) => group.slice(1, -1).replace(/\s+/g, ' '));
  for (const line of joined.split('\n')) {
    const words = line.trim().split(/\s+/);
    const at = words.findIndex((word) => word.toUpperCase() === 'SOA');
    if (at === -1 || line.trim().startsWith('$')) continue;
    const serial = words[at + 3];
    if (serial !== undefined && /^\d{1,10}$/.test(serial) && Number(serial) <= 0xffff_ffff) return Number(serial);
    return undefined;
  }
  return undefined;
}
