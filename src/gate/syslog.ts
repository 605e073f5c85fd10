// The last resort for a refusal the audit log cannot take (config unusable, log directory missing
// or unwritable): one line to syslog / the journal, so the ref the client was shown can be looked
// up on the secondary (`journalctl -t zonegate-gate`, or /var/log/auth.log). Node has no unix
// datagram sockets, so util-linux's logger(1) (package bsdutils, always installed on Debian) writes
// it to /dev/log; it runs only on this rare path, never on the start-up of a served request.
// The socket is always /dev/log: nothing a client or the environment sets can redirect it (tests
// bind their own receiver there in a mount namespace).

export const LOGGER = '/usr/bin/logger';
export const SYSLOG_TAG = 'zonegate-gate';
/** Room for the fields below; syslog receivers commonly cut at 1 KiB (RFC 3164) or 8 KiB. */
const MAX_MESSAGE_CHARS = 900;
const MAX_COMMAND_CHARS = 200;

export interface SyslogRefusal {
  ref: string;
  key: string;
  client: string | undefined;
  command: string | undefined;
  reason: string;
  message: string;
}

/** JSON-quoted and plain ASCII: control, C1, bidi and other non-ASCII characters become \uXXXX escapes. */
function quote(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The one syslog line: what the audit record would have said, client input only as escaped values. */
export function renderSyslogRefusal(refusal: SyslogRefusal): string {
  const line = [
    `refused (ref ${refusal.ref}), not in the audit log:`,
    `reason=${quote(refusal.reason, 60)}`,
    `key=${quote(refusal.key, 100)}`,
    `client=${quote(refusal.client ?? '', 60)}`,
    `command=${quote(refusal.command ?? '', MAX_COMMAND_CHARS)}`,
    `message=${quote(refusal.message, MAX_MESSAGE_CHARS)}`,
  ].join(' ');
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}

/** Sends the refusal to syslog (auth facility, as sshd's own lines); true when logger says it was written. */
export async function syslogRefusal(refusal: SyslogRefusal, logger = LOGGER): Promise<boolean> {
  try {
    // Loaded here, not at start-up (as in spawn-rsync.ts): a served request never pays for it.
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(
      logger,
      ['--socket-errors=on', `--id=${String(process.pid)}`, '-t', SYSLOG_TAG, '-p', 'auth.err', '--', renderSyslogRefusal(refusal)],
      { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 5000 },
    );
    return result.status === 0;
  } catch {
    return false;
  }
}
