// SSH_ORIGINAL_COMMAND -> argv words, without a shell.
//
// sshd hands us the words the client's ssh joined with single spaces. A modern rsync client
// (3.2.4+ "argument protection") backslash-escapes every character its remote shell would
// act on, so a well-formed command only needs two rules: one unescaped space separates two words,
// and a backslash makes the next character literal. The client's shapes are exact: the first word
// is the literal `rsync`, and ssh joins the words with single spaces, so nothing else is accepted. Anything a shell would have interpreted
// arriving UNescaped means the sender is not rsync's argument protection (or is trying to
// smuggle meaning we would read differently from a shell): refuse it rather than guess.
import { Buffer } from 'node:buffer';
import { RequestError } from '../shared/errors.js';

/** 64 KiB, in UTF-8 bytes: rsync's own command lines are a few hundred bytes. */
export const MAX_COMMAND_BYTES = 64 * 1024;

// What rsync's safe_arg() escapes ("!#$&;|<>(){}\"' " plus tab and newline), plus the wildcard
// characters it escapes in option values but NOT in file names (a remote shell would glob
// them; no shell runs here, so an unescaped glob cannot mean what the client expects).
const SHELL_METACHARS = new Set(Array.from('!#$&;|<>(){}"\'`*?[]'));

function isControl(code: number): boolean {
  // C0 (incl. NUL, tab, CR, LF), DEL and C1 (0x9b is a one-byte CSI for terminals reading the log).
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function refuse(reason: string, message: string): never {
  throw new RequestError(reason, message);
}

/** Rejects what no well-formed request can contain, before any word splitting. */
function checkCharacters(command: string): void {
  if (Buffer.byteLength(command, 'utf8') > MAX_COMMAND_BYTES) {
    refuse('too-long', `command is longer than ${String(MAX_COMMAND_BYTES)} bytes`);
  }
  for (const ch of command) {
    const code = ch.codePointAt(0) ?? 0;
    // Node decodes the environment with U+FFFD for invalid UTF-8; a lone surrogate cannot be
    // UTF-8 at all. Either way the bytes rsync would see are not the ones we would check.
    if (code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) {
      refuse('invalid-utf8', 'command is not valid UTF-8');
    }
    if (isControl(code)) {
      refuse('control-char', 'command contains a control character');
    }
  }
}

/** The literal first word: `\rsync` or `r\sync` would tokenize to it, but no client sends them. */
const FIRST_WORD = 'rsync';

export function tokenizeCommand(command: string): string[] {
  checkCharacters(command);
  if (command.trim() === '') refuse('empty-command', 'no command given (interactive login refused)');
  if (command.startsWith(' ')) refuse('bad-spacing', 'words must be separated by exactly one space');
  if (command !== FIRST_WORD && !command.startsWith(`${FIRST_WORD} `)) refuse('not-rsync', 'only "rsync --server" may run here');
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let escaped = false;
  for (const ch of command) {
    if (escaped) {
      word += ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
      inWord = true;
    } else if (ch === ' ') {
      // attack: a leading, doubled or trailing space is harmless to a shell's split but is a shape
      // the client never produces, so whoever sent it is not the rsync client: refuse, don't guess.
      if (!inWord) refuse('bad-spacing', 'words must be separated by exactly one space');
      words.push(word);
      word = '';
      inWord = false;
    } else if (SHELL_METACHARS.has(ch) || (ch === '~' && !inWord)) {
      // '~' only expands at the start of a word (rsync leaves "~/x" unescaped on purpose so the
      // remote shell expands it; we run none, so the client would get a different directory).
      refuse('shell-metachar', `unescaped shell character ${JSON.stringify(ch)} in command`);
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (escaped) refuse('trailing-backslash', 'command ends with a lone backslash');
  if (!inWord) refuse('bad-spacing', 'words must be separated by exactly one space');
  words.push(word);
  return words;
}
