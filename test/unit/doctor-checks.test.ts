import { describe, expect, it } from 'vitest';
import {
  judgeAccount,
  judgeRsync,
  judgeSandbox,
  judgeSshdEnvironment,
  judgeStrictModes,
  rcFilesFor,
  renderChecklist,
} from '../../src/admin/doctor/checks.js';

describe('judgeRsync', () => {
  it.each([
    ['rsync  version 3.5.0  protocol version 32', 'ok'],
    ['rsync  version 3.4.0  protocol version 32', 'ok'],
    ['rsync  version v3.4.1  protocol version 32', 'ok'],
    // CVE-2024-12084 and friends: fixed in 3.4.0, reachable from a malicious client or server.
    ['rsync  version 3.2.7  protocol version 31', 'warn'],
    ['rsync  version 3.3.0  protocol version 31', 'warn'],
    ['rsync  version 2.6.9  protocol version 29', 'warn'],
    ['something else', 'warn'],
  ])('%s -> %s', (output, status) => {
    expect(judgeRsync('/usr/bin/rsync', output).status).toBe(status);
  });

  it('fails when rsync is missing, with the install line', () => {
    expect(judgeRsync('/usr/bin/rsync', undefined)).toMatchObject({ status: 'fail', fix: 'apt-get install rsync' });
  });
});

describe('judgeAccount', () => {
  // Attack: code in an rc file that sshd's shell runs before the forced command, on every push.
  it('warns about a bash login shell with rc files present', () => {
    const result = judgeAccount({ user: 'bind', shell: '/bin/bash', home: '/var/cache/bind', rcFiles: ['/var/cache/bind/.bashrc'] });
    expect(result).toMatchObject({ status: 'warn', fix: expect.stringContaining('usermod -s /bin/sh bind') as unknown });
  });

  it('fails for nologin, which would refuse the forced command too', () => {
    expect(judgeAccount({ user: 'bind', shell: '/usr/sbin/nologin', home: '/', rcFiles: [] }).status).toBe('fail');
  });

  it('accepts sh', () => {
    expect(judgeAccount({ user: 'bind', shell: '/bin/sh', home: '/', rcFiles: [] }).status).toBe('ok');
  });

  it('knows which rc files bash and zsh read for -c', () => {
    expect(rcFilesFor('/bin/bash', '/home/u')).toEqual(['/etc/bash.bashrc', '/home/u/.bashrc']);
    expect(rcFilesFor('/usr/bin/zsh', '/home/u')).toEqual(['/etc/zsh/zshenv', '/home/u/.zshenv']);
    expect(rcFilesFor('/bin/dash', '/home/u')).toEqual([]);
  });
});

describe('judgeStrictModes', () => {
  const good = { path: '/home/u/.ssh/authorized_keys', mode: 0o100600, uid: 1000, allowedUids: [0, 1000] };
  // Attack: a group- or world-writable authorized_keys (or directory above it) lets others add a key.
  it.each([
    [{ ...good, mode: 0o100620 }, 'fail'],
    [{ ...good, mode: 0o100602 }, 'fail'],
    [{ ...good, path: '/home/u/.ssh', mode: 0o40777 }, 'fail'],
    [{ ...good, uid: 1001 }, 'fail'],
    [good, 'ok'],
    [{ ...good, mode: 0o100644, uid: 0 }, 'ok'],
  ])('%o -> %s', (facts, status) => {
    expect(judgeStrictModes([facts]).status).toBe(status);
  });
});

describe('judgeSandbox', () => {
  it.each([
    ['auto', undefined, 'ok'],
    ['auto', 'no userns', 'warn'],
    ['required', 'no userns', 'fail'],
    ['off', undefined, 'warn'],
  ])('%s with problem %s -> %s', (mode, problem, status) => {
    expect(judgeSandbox(mode, problem).status).toBe(status);
  });
});

describe('renderChecklist', () => {
  it('prints one line per check, details and fixes indented, and a summary', () => {
    expect(
      renderChecklist([
        { status: 'ok', title: 'config valid' },
        {
          status: 'fail',
          title: 'log directory /var/log/zonegate',
          detail: 'does not exist',
          fix: 'install -d -o bind -m 750 /var/log/zonegate',
        },
        { status: 'skip', title: 'rndc', detail: 'not needed here' },
      ]),
    ).toMatchInlineSnapshot(`
      "[ ok ] config valid
      [FAIL] log directory /var/log/zonegate
             does not exist
             fix: install -d -o bind -m 750 /var/log/zonegate
      [skip] rndc
             not needed here

      1 problem(s), 0 warning(s)
      "
    `);
  });
});

describe('judgeSshdEnvironment', () => {
  it.each([
    ['permituserenvironment no\nacceptenv LANG\nacceptenv LC_*', 'ok'],
    ['permituserenvironment no', 'ok'],
    // attack: NODE_OPTIONS=--require /tmp/x.js sent by the client runs code before the gate.
    ['permituserenvironment no\nacceptenv *', 'fail'],
    ['permituserenvironment no\nacceptenv NODE_*', 'fail'],
    ['permituserenvironment no\nacceptenv NODE_OPTION?', 'fail'],
    ['permituserenvironment yes\nacceptenv LANG', 'fail'],
    ['permituserenvironment NODE_OPTIONS', 'fail'],
  ])('%j -> %s', (text, status) => {
    expect(judgeSshdEnvironment(text).status).toBe(status);
  });

  it('warns when sshd -T could not run', () => {
    expect(judgeSshdEnvironment(undefined).status).toBe('warn');
  });
});
