// Which control argvs and rndc.conf files the native rndc path takes on, and that anything it does
// not fully understand (an unknown statement, option or flag, a name to resolve, a file it may not
// read) is left to the rndc program (undefined), never guessed at.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeControlTarget } from '../../src/zoneset/servers/rndc-target.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-rndc-conf-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = Buffer.alloc(32, 5).toString('base64');
const KEY = `key "k1" { algorithm hmac-sha256; secret "${SECRET}"; };`;
let files = 0;

function conf(text: string): string {
  const path = join(dir, `rndc-${String(files++)}.conf`);
  writeFileSync(path, text);
  return path;
}

const target = (text: string, ...flags: string[]): unknown => {
  const found = nativeControlTarget(['/usr/sbin/rndc', '-c', conf(text), ...flags]);
  return found && { host: found.host, port: found.port, algorithm: found.algorithm, secret: found.secret.toString('base64') };
};

describe('nativeControlTarget', () => {
  it('reads rndc.conf as rndc does: default server, key and port; comments of all three kinds', () => {
    const text = `# rndc.conf\n${KEY}\n/* block */ options { default-key "k1"; default-server 127.0.0.1; // here\n default-port 9953; };\n`;
    expect(target(text)).toEqual({ host: '127.0.0.1', port: 9953, algorithm: 'hmac-sha256', secret: SECRET });
  });

  it('takes -s, -p and -y over the options, and the port 953 by default', () => {
    const text = `${KEY} key "k2" { algorithm hmac-sha512; secret "${SECRET}"; }; options { default-key "k1"; default-server 127.0.0.1; };`;
    expect(target(text)).toMatchObject({ host: '127.0.0.1', port: 953, algorithm: 'hmac-sha256' });
    expect(target(text, '-s', '::1', '-p', '1953', '-y', 'k2')).toMatchObject({ host: '::1', port: 1953, algorithm: 'hmac-sha512' });
  });

  it("uses a server statement's key, port and single address", () => {
    const text = `${KEY} key "k2" { algorithm hmac-md5; secret "${SECRET}"; }; options { default-key "k1"; default-server ns; };
      server ns { key "k2"; port 8953; addresses { 127.0.0.9; }; };`;
    expect(target(text)).toMatchObject({ host: '127.0.0.9', port: 8953, algorithm: 'hmac-md5' });
  });

  it('follows an absolute include (rndc.conf including the key file)', () => {
    const key = conf(KEY);
    expect(target(`include "${key}"; options { default-key "k1"; default-server 127.0.0.1; };`)).toMatchObject({
      algorithm: 'hmac-sha256',
    });
  });

  it.each([
    ['an unknown option', `${KEY} options { default-key "k1"; default-server 127.0.0.1; default-source-address 127.0.0.1; };`],
    ['an unknown statement', `${KEY} options { default-key "k1"; default-server 127.0.0.1; }; logging { };`],
    ['a server name to resolve', `${KEY} options { default-key "k1"; default-server localhost; };`],
    ['several addresses', `${KEY} options { default-key "k1"; default-server ns; }; server ns { addresses { 127.0.0.1; 127.0.0.2; }; };`],
    ['an address with a port', `${KEY} options { default-key "k1"; default-server ns; }; server ns { addresses { 127.0.0.1 port 5; }; };`],
    ['no key', `options { default-server 127.0.0.1; };`],
    ['a key it does not have', `${KEY} options { default-key "k9"; default-server 127.0.0.1; };`],
    [
      'an algorithm rndc has not',
      `key "k1" { algorithm hmac-sha3; secret "${SECRET}"; }; options { default-key "k1"; default-server 127.0.0.1; };`,
    ],
    [
      'a secret that is not base64',
      `key "k1" { algorithm hmac-sha256; secret "a*b"; }; options { default-key "k1"; default-server 127.0.0.1; };`,
    ],
    ['a string with a backslash', `${KEY} options { default-key "k\\1"; default-server 127.0.0.1; };`],
    ['an unterminated block', `${KEY} options { default-key "k1"; default-server 127.0.0.1;`],
    ['a relative include', `include "rndc.key"; options { default-key "k1"; default-server 127.0.0.1; };`],
    ['a key declared twice', `${KEY} ${KEY} options { default-key "k1"; default-server 127.0.0.1; };`],
    ['a port out of range', `${KEY} options { default-key "k1"; default-server 127.0.0.1; default-port 70000; };`],
  ])('leaves %s to the rndc program', (_what, text) => {
    expect(target(text)).toBeUndefined();
  });

  it('leaves any other program, flag or a missing or unreadable file to the program', () => {
    const good = conf(`${KEY} options { default-key "k1"; default-server 127.0.0.1; };`);
    expect(nativeControlTarget(['/usr/sbin/rndc', '-c', good])).toBeDefined();
    expect(nativeControlTarget(['/usr/local/bin/rndc-wrapper', '-c', good])).toBeUndefined();
    expect(nativeControlTarget(['/usr/sbin/rndc', '-q', '-c', good])).toBeUndefined();
    expect(nativeControlTarget(['/usr/sbin/rndc', '-c', good, '-V', 'x'])).toBeUndefined();
    expect(nativeControlTarget(['/usr/sbin/rndc', '-c', good, '-c', good])).toBeUndefined();
    expect(nativeControlTarget(['/usr/sbin/rndc', '-c', join(dir, 'absent.conf')])).toBeUndefined();
    const dirAsFile = mkdtempSync(join(dir, 'd-'));
    chmodSync(dirAsFile, 0o700);
    expect(nativeControlTarget(['/usr/sbin/rndc', '-c', dirAsFile])).toBeUndefined();
  });
});
