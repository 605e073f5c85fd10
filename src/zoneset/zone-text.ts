// Master-file text as BIND reads it, just far enough for zonegate's own checks: logical records
// (comments dropped, parenthesised continuations joined) and their words. Fed in chunks, so a scan
// holds one record at a time whatever the file's size.

/** One logical record: its words, and whether the line began with blank space (owner omitted). */
export interface ZoneRecordText {
  words: string[];
  ownerOmitted: boolean;
}

/** A logical record longer than this is refused rather than held in memory. */
export const MAX_RECORD_CHARS = 1024 * 1024;

// What the fast path leaves to the character loop: quotes and escapes before any comment, and
// parentheses that do not close on their own line.
const QUOTE_OR_ESCAPE = /["\\]/;
const PARENTHESIS = /[()]/;
const SEPARATORS = /[ \t\r()]+/;

/**
 * The words of a line that is one whole record by itself, as the character loop reads it: no quote
 * or escape before its comment (the comment, whatever it holds, is dropped) and parentheses that
 * close on the line (they only separate words then). undefined: the character loop reads it.
 * Most lines of a real zone are like this, the SOA's one-line "( … )" and commented lines too.
 */
function plainRecord(line: string): string[] | undefined {
  const semicolon = line.indexOf(';');
  const body = semicolon === -1 ? line : line.slice(0, semicolon);
  if (QUOTE_OR_ESCAPE.test(body)) return undefined;
  if (PARENTHESIS.test(body)) {
    let depth = 0;
    for (const ch of body)
      if (ch === '(') depth++;
      else if (ch === ')') depth = Math.max(0, depth - 1);
    if (depth !== 0) return undefined;
  }
  return body.split(SEPARATORS).filter((word) => word !== '');
}

export class ZoneTextReader {
  private words: string[] = [];
  private word = '';
  private wordStarted = false;
  private depth = 0;
  private quoted = false;
  private escaped = false;
  private comment = false;
  private atLineStart = true;
  private ownerOmitted = false;
  private chars = 0;
  /**
   * A quoted string ran into a newline: BIND and Knot refuse that, NSD reads the string on across
   * lines. Where the readers disagree on what is quoted they disagree on every record after it.
   */
  quoteCrossedLine = false;
  /** The text ended inside parentheses: every record after the "(" was read as one. */
  unclosedAtEnd = false;
  /** A \r not followed by \n: NSD ends a record there (BIND and Knot refuse it); this reader does not. */
  bareCarriageReturn = false;
  private pendingReturn = false;

  constructor(private readonly onRecord: (record: ZoneRecordText) => void) {}

  /** Feeds text; throws RangeError when one record grows past MAX_RECORD_CHARS. */
  write(text: string): void {
    this.noteReturns(text);
    let at = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', at)) {
      const line = text.slice(at, end);
      // Most lines are one plain record: split them at once instead of character by character.
      const words = this.atLineStart && this.depth === 0 ? plainRecord(line) : undefined;
      if (words !== undefined) {
        if (line.length > MAX_RECORD_CHARS) throw new RangeError('a record is longer than 1 MiB');
        if (words.length > 0) this.onRecord({ words, ownerOmitted: line.startsWith(' ') || line.startsWith('\t') });
      } else {
        for (const ch of line) this.char(ch);
        this.char('\n');
      }
      at = end + 1;
    }
    for (const ch of text.slice(at)) this.char(ch);
  }

  /** Ends the text: a record still open (no newline, or an unclosed parenthesis) is emitted as is. */
  end(): void {
    if (this.pendingReturn) this.bareCarriageReturn = true;
    if (this.depth > 0) this.unclosedAtEnd = true;
    this.endWord();
    this.emit();
  }

  /** Looks for a bare \r, a \r\n split between two chunks included. */
  private noteReturns(text: string): void {
    if (this.bareCarriageReturn || text === '') return;
    if (this.pendingReturn && !text.startsWith('\n')) this.bareCarriageReturn = true;
    this.pendingReturn = text.endsWith('\r');
    if (/\r(?!\n)/.test(this.pendingReturn ? text.slice(0, -1) : text)) this.bareCarriageReturn = true;
  }

  private char(ch: string): void {
    if (++this.chars > MAX_RECORD_CHARS) throw new RangeError('a record is longer than 1 MiB');
    if (this.atLineStart && this.depth === 0 && this.words.length === 0 && !this.wordStarted) {
      this.ownerOmitted = ch === ' ' || ch === '\t';
    }
    this.atLineStart = false;
    if (ch === '\n') {
      this.comment = false;
      this.atLineStart = true;
      // A newline inside quotes is an error for BIND; ending the word keeps the scan going.
      if (this.quoted) this.quoteCrossedLine = true;
      this.quoted = false;
      this.escaped = false;
      this.endWord();
      if (this.depth === 0) this.emit();
      return;
    }
    if (this.comment) return;
    if (this.escaped) {
      this.escaped = false;
      this.add(ch);
    } else if (ch === '\\') {
      this.escaped = true;
      this.add(ch);
    } else if (ch === '"') {
      this.quoted = !this.quoted;
      this.add(ch);
    } else if (this.quoted) {
      this.add(ch);
    } else if (ch === ';') {
      this.comment = true;
      this.endWord();
    } else if (ch === '(' || ch === ')') {
      this.depth = Math.max(0, this.depth + (ch === '(' ? 1 : -1));
      this.endWord();
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      this.endWord();
    } else {
      this.add(ch);
    }
  }

  private add(ch: string): void {
    this.word += ch;
    this.wordStarted = true;
  }

  private endWord(): void {
    if (this.wordStarted) this.words.push(this.word);
    this.word = '';
    this.wordStarted = false;
  }

  private emit(): void {
    const words = this.words;
    const ownerOmitted = this.ownerOmitted;
    this.words = [];
    this.chars = 0;
    this.depth = 0;
    this.ownerOmitted = false;
    if (words.length > 0) this.onRecord({ words, ownerOmitted });
  }
}

const CLASS = /^(?:IN|CH|CS|HS|ANY|NONE|CLASS\d+)$/i;
// Any word starting with a digit: no type or class does, and servers read more TTL forms than
// RFC 1035's digits (BIND's and NSD's `1h30`, a trailing number being seconds). A narrower pattern
// took such a TTL for the type word, and an RRSIG (or the SOA) behind it went unseen.
const TTL = /^\d/;

/** The type and rdata words of a record (owner, TTL and class skipped); undefined for a directive. */
export function typeAndData(record: ZoneRecordText): { type: string; data: string[] } | undefined {
  const { words } = record;
  if (words[0]?.startsWith('$') === true && !record.ownerOmitted) return undefined;
  let at = record.ownerOmitted ? 0 : 1;
  // TTL and class, each optional, in either order (RFC 1035 §5.1).
  for (let i = 0; i < 2; i++) {
    const word = words[at] ?? '';
    if (CLASS.test(word) || TTL.test(word)) at++;
  }
  const type = words[at];
  return type === undefined ? undefined : { type: type.toUpperCase(), data: words.slice(at + 1) };
}
