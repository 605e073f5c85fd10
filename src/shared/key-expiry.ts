// keys.*.expiry, read the way sshd reads expiry-time= (sshd(8), OpenSSH 9.2: "YYYYMMDD[Z] date or a
// YYYYMMDDHHMM[SS][Z] time … interpreted in the system time zone unless suffixed by a Z character").
// The gate enforces it itself, so a stale authorized_keys line without expiry-time= does not keep an
// expired key working.
//
// Without Z, sshd fills a struct tm with tm_isdst = 0 and calls mktime(), which reads the time as the
// zone's *standard* time: in summer sshd lets the key in up to an hour past the wall-clock time
// written. The gate refuses from the earlier of the two readings (wall clock or standard time), so it
// never accepts a key sshd would refuse. With Z both read UTC and agree to the second. A date alone
// means 00:00:00 at the start of that day.

/** The accepted spellings: a date, or a date and time to the minute or second, optionally in UTC. */
export const EXPIRY_PATTERN = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/;

/** The instant (ms since the epoch) from which a key with this expiry is refused, or undefined if malformed or not a real date. */
export function expiryInstant(text: string): number | undefined {
  const match = EXPIRY_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 20270231 over into March; sshd's strptime()+mktime() would too, silently. Refuse it.
  const real =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second;
  if (!real) return undefined;
  if (match[7] === 'Z') return utc;
  const wallClock = new Date(year, month - 1, day, hour, minute, second).getTime();
  // getTimezoneOffset() is minutes west of UTC; standard time is the larger of winter's and summer's.
  const standardOffset = Math.max(new Date(year, 0, 1).getTimezoneOffset(), new Date(year, 6, 1).getTimezoneOffset());
  return Math.min(wallClock, utc + standardOffset * 60_000);
}

/** Whether a key with this (valid) expiry is refused at `now`: like sshd, from the second after the instant. */
export function isExpired(expiry: string, now: number): boolean {
  const instant = expiryInstant(expiry);
  // A malformed expiry never passes the config validator; if one gets here, fail closed.
  if (instant === undefined) return true;
  return Math.floor(now / 1000) > Math.floor(instant / 1000);
}
