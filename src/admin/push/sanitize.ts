// Text from a secondary (the gate's replies, ssh's and rsync's errors) is hostile: it reaches the
// summary cron mails, the status file, the Nagios line and terminals. Control characters (ANSI
// escapes that rewrite a terminal, newlines that forge a Nagios line or a log record, bidi
// overrides that reorder what a person reads) become `?`, and the length is capped.
// A shared sanitizer for the whole capture path is being added with issue 11; this one covers the
// reasons the push runner keeps until then.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

export const REASON_MAX = 300;

export function sanitizeReason(text: string, max = REASON_MAX): string {
  const clean = text.replace(UNSAFE, '?');
  if (clean.length <= max) return clean;
  // Never cut inside a surrogate pair: a lone half is not valid text for the status file or mail.
  const cut = /[\ud800-\udbff]/.test(clean.charAt(max - 2)) ? max - 2 : max - 1;
  return `${clean.slice(0, cut)}…`;
}
