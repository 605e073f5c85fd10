// Text from a secondary (its sshd's, rsync's and gate's output, which a compromised secondary
// writes freely) is data. It is cleaned where the push runner captures it, before it reaches the
// run log, the status file, cron's mail, `zonegate status` or a Nagios line:
// - terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, two-byte `ESC x`) and
//   their 8-bit C1 forms go: they rewrite a terminal's title or screen when the log or mail is read;
// - every other control character (C0 but tab and newline, DEL, C1) and the bidirectional
//   overrides that make text read differently from its bytes go too;
// - the length is capped, saying how much was cut;
// - a one-line summary (a status reason) also loses its newlines and `|`, which starts Nagios
//   perfdata: `| fake_perf=0;1;2` would forge the graph.

export interface RemoteTextOptions {
  /** Longest result in UTF-16 code units, the cut note included. */
  maxChars: number;
  /** One line for a status reason or a Nagios line: newlines become spaces, `|` becomes `¦`. */
  oneLine?: boolean;
}

/** Largest block of one stream kept per attempt (the run log and cron's mail). */
export const MAX_STREAM_CHARS = 256 * 1024;
/** Longest reason kept in the status file (Nagios, `zonegate status`, mail summary). */
export const MAX_REASON_CHARS = 300;

// ESC (or 8-bit CSI/OSC/DCS…) sequences first, so their parameters do not survive as text.
const ESCAPE_SEQUENCES =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]P^_X]|[\u0090\u009d\u009e\u009f\u0098])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
// C0 except tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text with escapes and control characters removed and its length capped (see above). */
export function sanitizeRemoteText(text: string, options: RemoteTextOptions): string {
  let clean = text.replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, '');
  if (options.oneLine === true)
    clean = clean
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\|/g, '¦')
      .trim();
  if (clean.length <= options.maxChars) return clean;
  const note = ` … [${String(clean.length - options.maxChars)}+ characters cut]`;
  let keep = Math.max(0, options.maxChars - note.length);
  // Never cut inside a surrogate pair: a lone half is not valid text for the status file or mail.
  if (keep > 0 && /[\ud800-\udbff]/.test(clean.charAt(keep - 1))) keep -= 1;
  return clean.slice(0, keep) + note;
}

/** A reason as `zonegate status`, the status file and a Nagios line show it: one clean line, capped. */
export function sanitizeReason(text: string, maxChars = MAX_REASON_CHARS): string {
  return sanitizeRemoteText(text, { maxChars, oneLine: true });
}
