// A strict reader of the named.conf-style syntax of rndc.conf and rndc.key: comments (#, //,
// /* */), double-quoted strings without escapes, bare words, and statements `words… [{ … }] ;`.
// It builds a plain tree and understands nothing else: whatever it cannot read with certainty
// (a backslash, an unterminated string or block, a character outside the bare-word set) throws
// ConfDoubt, and the caller then leaves the file to rndc itself.

export class ConfDoubt extends Error {}

export interface ConfStatement {
  words: string[];
  block: ConfStatement[] | undefined;
}

type Token = { kind: 'word'; text: string } | { kind: 'punct'; text: '{' | '}' | ';' };

const BARE = /[A-Za-z0-9._:/+=*!-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text.charAt(at);
    if (/\s/.test(char)) at += 1;
    else if (char === '#' || text.startsWith('//', at)) {
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      if (end === -1) throw new ConfDoubt('unterminated comment');
      at = end + 2;
    } else if (char === '"') {
      const end = text.indexOf('"', at + 1);
      const body = end === -1 ? '' : text.slice(at + 1, end);
      if (end === -1 || /[\\\n]/.test(body)) throw new ConfDoubt('a string it cannot read plainly');
      tokens.push({ kind: 'word', text: body });
      at = end + 1;
    } else if (char === '{' || char === '}' || char === ';') {
      tokens.push({ kind: 'punct', text: char });
      at += 1;
    } else if (BARE.test(char)) {
      let end = at;
      while (end < text.length && BARE.test(text.charAt(end))) end += 1;
      tokens.push({ kind: 'word', text: text.slice(at, end) });
      at = end;
    } else throw new ConfDoubt(`unexpected character ${JSON.stringify(char)}`);
  }
  return tokens;
}

/** Parses statements up to a closing brace (inside a block) or the end (top level). */
function parseStatements(tokens: Token[], from: number, inBlock: boolean): { statements: ConfStatement[]; next: number } {
  const statements: ConfStatement[] = [];
  let at = from;
  for (;;) {
    const token = tokens[at];
    if (token === undefined) {
      if (inBlock) throw new ConfDoubt('unterminated block');
      return { statements, next: at };
    }
    if (token.kind === 'punct' && token.text === '}') {
      if (!inBlock) throw new ConfDoubt('unbalanced }');
      return { statements, next: at + 1 };
    }
    const words: string[] = [];
    let block: ConfStatement[] | undefined;
    while (tokens[at]?.kind === 'word') words.push((tokens[at++] as Token).text);
    if (tokens[at]?.text === '{') {
      const inner = parseStatements(tokens, at + 1, true);
      block = inner.statements;
      at = inner.next;
    }
    if (tokens[at]?.text !== ';' || words.length === 0) throw new ConfDoubt('a statement it cannot read');
    at += 1;
    statements.push({ words, block });
  }
}

export function parseConfText(text: string): ConfStatement[] {
  return parseStatements(tokenize(text), 0, false).statements;
}
