// The request forms the gate answers besides a plain `rsync --server …`, each a fixed first word
// that no rsync client ever sends, so none can be mistaken for (or smuggled into) an rsync command:
// - `zonegate-hello`, the whole command: an authenticated no-op (`zonegate doctor --connect`); the
//   gate answers with its version and the key's rules and runs nothing (hello.ts);
// - `zonegate-dry-run rsync --server …` (`zonegate push --dry-run`, sent as rsync's --rsync-path):
//   the same upload, decided by the same rule, but nothing goes live (evaluate.ts says what each
//   kind of rule needs). The prefix is exact: one space, then the command the tokenizer checks.
// Pure: no I/O, no environment.

export const HELLO_COMMAND = 'zonegate-hello';
export const DRY_RUN_WORD = 'zonegate-dry-run';

/** The hello reply's first line: the form and its version. A reply with another version is not read. */
export const HELLO_REPLY_VERSION = 1;
export const HELLO_REPLY_HEADER = `${HELLO_COMMAND} ${String(HELLO_REPLY_VERSION)}`;
export const HELLO_REPLY_END = 'end';

export type RequestForm = { kind: 'hello' } | { kind: 'rsync'; dryRun: boolean; command: string | undefined };

export function requestForm(command: string | undefined): RequestForm {
  if (command === HELLO_COMMAND) return { kind: 'hello' };
  if (command?.startsWith(`${DRY_RUN_WORD} `) === true)
    return { kind: 'rsync', dryRun: true, command: command.slice(DRY_RUN_WORD.length + 1) };
  return { kind: 'rsync', dryRun: false, command };
}
