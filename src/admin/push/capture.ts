// A bounded capture of one output stream of an attempt: the first characters and the last ones,
// with a note of how many were dropped in between. Memory per stream is fixed whatever the far side
// sends; the tail is kept because what comes last decides the outcome (rsync's --stats, the gate's
// timing and `zonegate: exit N` lines), and the head because it usually says what went wrong first.

export interface Capture {
  add(chunk: string): void;
  /** Head and tail, at most `maxChars` characters with the cut note; the text is still raw (unsanitized). */
  text(): string;
}

/** How much of a stream's end is always kept. */
export const TAIL_CHARS = 16 * 1024;
/** Room for the cut note between head and tail. */
const NOTE_ROOM = 64;

const HIGH_SURROGATE = /[\ud800-\udbff]$/;
const LOW_SURROGATE = /^[\udc00-\udfff]/;

export function makeCapture(maxChars: number, tailChars = TAIL_CHARS): Capture {
  const headLimit = Math.max(0, maxChars - tailChars - NOTE_ROOM);
  let head = '';
  let tail = '';
  let dropped = 0;
  return {
    add: (chunk) => {
      let rest = chunk;
      if (head.length < headLimit) {
        const room = headLimit - head.length;
        head += rest.slice(0, room);
        rest = rest.slice(room);
      }
      if (rest === '') return;
      tail += rest;
      if (tail.length > tailChars) {
        dropped += tail.length - tailChars;
        tail = tail.slice(-tailChars);
      }
    },
    text: () => {
      if (dropped === 0) return head + tail;
      // Never leave half a surrogate pair at either side of the cut.
      const before = head.replace(HIGH_SURROGATE, '');
      const after = tail.replace(LOW_SURROGATE, '');
      return `${before}\n… [${String(dropped)} characters cut] …\n${after}`;
    },
  };
}
