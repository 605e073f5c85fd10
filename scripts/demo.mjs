#!/usr/bin/env node
// The end-to-end demo, on loopback, with real parts: a "secondary" (sshd + named + the gate) and a
// "primary" (zonegate push), set up with the zonegate CLI exactly as an admin would, then a push,
// the new serial served, and three refusals. Prints what it does, checks every outcome, cleans up
// everything it started (by pid), and exits 0 only if every step did what it says.
// Run it through scripts/demo.sh on a fresh machine (that installs what it needs first).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/ports.mjs';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN = join(PROJECT, 'bin/admin.js');
const children = [];
let base;
let failures = 0;

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const step = (title) => process.stdout.write(`\n${bold(`== ${title}`)}\n`);
const say = (text) => process.stdout.write(`${text}\n`);
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');

/** Records an expectation; the demo's exit status is the sum of them. */
function expect(ok, what) {
  say(`   ${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures += 1;
}

/** Runs a command, shows it as an admin would type it, and returns its result. */
function run(shown, file, args, options = {}) {
  say(`$ ${shown}`);
  const result = spawnSync(file, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...options.env },
    input: options.input ?? '',
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (output.trim() !== '' && options.quiet !== true) say(indent(output));
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', output };
}

const zonegate = (args, options) => run(`zonegate ${args.join(' ')}`, process.execPath, [ADMIN, ...args], options);

function zone(name, serial, extra = '') {
  return `$TTL 300\n@ IN SOA ns1.${name}. hostmaster.${name}. ( ${serial} 3600 600 86400 300 )\n@ IN NS ns1.${name}.\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.${(serial % 200) + 1}\n${extra}`;
}

/** Starts a daemon in the foreground and waits until its stderr says it is ready. */
function startDaemon(name, file, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 15_000);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
  });
}

function servedSerial(port, name) {
  const result = spawnSync('dig', ['+short', '+norecurse', '+time=1', '+tries=2', '-p', String(port), '@127.0.0.1', name, 'SOA'], {
    encoding: 'utf8',
  });
  return result.stdout.trim().split(/\s+/)[2];
}

async function main() {
  if (process.getuid?.() !== 0)
    throw new Error(
      'run the demo as root (it starts sshd and logs in as root with a forced command); on a fresh machine: sudo bash scripts/demo.sh',
    );
  base = mkdtempSync(join(tmpdir(), 'zonegate-demo-'));
  const S = join(base, 'secondary');
  const P = join(base, 'primary');
  for (const dir of [S, P, join(S, 'named'), join(S, 'sshd'), join(S, 'log'), join(P, 'zones'), join(P, 'log'), join(P, 'state')])
    mkdirSync(dir, { recursive: true });
  const zoneSet = join(S, 'zones/external');
  mkdirSync(join(zoneSet, '.zonegate'), { recursive: true });
  const sshPort = await freePort();
  const dnsPort = await freePort(true, [sshPort]);
  const rndcPort = await freePort(false, [sshPort, dnsPort]);
  say(`zonegate demo in ${base}: a secondary (sshd on 127.0.0.1:${sshPort}, named on :${dnsPort}) and a primary, on loopback.`);

  step('1. The secondary: a starter config, then one key for the primary and one zone-set rule');
  zonegate(['init', '--role', 'secondary', '--config', join(S, 'zonegate.conf')]);
  step('2. The primary: a starter config and a key pair for pushing to this secondary');
  zonegate(['init', '--role', 'primary', '--config', join(P, 'zonegate.conf')]);
  const keygen = zonegate(['keygen', 'ns2', '--dir', join(P, 'keys')]);
  expect(keygen.status === 0, 'keygen made an ed25519 key pair');
  const publicKey = readFileSync(join(P, 'keys/ns2.pub'), 'utf8').trim();

  const rndcSecret = randomBytes(32).toString('base64');
  const rndcConf = join(S, 'named/rndc.conf');
  writeFileSync(
    rndcConf,
    `key "demo" { algorithm hmac-sha256; secret "${rndcSecret}"; };\noptions { default-key "demo"; default-server 127.0.0.1; default-port ${rndcPort}; };\n`,
  );
  const secondaryConfig = {
    gate: { rsync: '/usr/bin/rsync', log: join(S, 'log/gate.log'), sandbox: 'auto' },
    keys: {
      ns1: {
        publicKey,
        from: ['127.0.0.1'],
        rules: [
          {
            direction: 'upload',
            root: zoneSet,
            paths: ['**'],
            delete: true,
            zoneSet: {
              name: 'external',
              zones: ['example.com', 'example.net', 'example.org', '2.0.192.in-addr.arpa'],
              rndc: ['/usr/sbin/rndc', '-c', rndcConf],
              verify: { server: '127.0.0.1', port: dnsPort },
            },
          },
        ],
      },
    },
  };
  const secondaryText = `// The demo secondary: the primary's key "ns1" may push zones into one zone set.\n${JSON.stringify(secondaryConfig, null, 2)}\n`;
  writeFileSync(join(S, 'zonegate.conf'), secondaryText, { mode: 0o600 });
  say(`(edited ${join(S, 'zonegate.conf')}: the key block)\n${indent(JSON.stringify(secondaryConfig.keys, null, 2))}`);

  step('3. The secondary installs the authorized_keys line: restrict, from=, and the gate as forced command');
  const authorizedKeys = join(S, 'sshd/authorized_keys');
  writeFileSync(authorizedKeys, '# keys for root on the demo secondary\n', { mode: 0o600 });
  const install = zonegate(['authorized-keys', '--config', join(S, 'zonegate.conf'), '--install', authorizedKeys]);
  expect(
    install.status === 0 && /restrict,.*from="127\.0\.0\.1".*command="[^"]*gate\.cjs --config/.test(readFileSync(authorizedKeys, 'utf8')),
    'authorized_keys has the restricted, forced-command line',
  );
  say(indent(readFileSync(authorizedKeys, 'utf8').replace(/ssh-ed25519 \S+/, 'ssh-ed25519 AAAA…')));

  step('4. Start the secondary: sshd and named, from the temp dir');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(S, 'sshd/host_key')]);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  writeFileSync(
    join(S, 'sshd/sshd_config'),
    [
      `Port ${sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(S, 'sshd/host_key')}`,
      `PidFile ${join(S, 'sshd/sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin forced-commands-only',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  const sshd = await startDaemon('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', join(S, 'sshd/sshd_config')], /Server listening/);
  writeFileSync(
    join(S, 'named/named.conf'),
    `include "${rndcConf.replace('rndc.conf', 'rndc.key')}";\noptions { directory "${join(S, 'named')}"; listen-on port ${dnsPort} { 127.0.0.1; }; listen-on-v6 { none; }; pid-file "${join(S, 'named/named.pid')}"; recursion no; dnssec-validation no; };\ncontrols { inet 127.0.0.1 port ${rndcPort} allow { 127.0.0.1; } keys { "demo"; }; };\ninclude "${join(zoneSet, '.zonegate/named-zones.conf')}";\n`,
  );
  writeFileSync(join(S, 'named/rndc.key'), `key "demo" { algorithm hmac-sha256; secret "${rndcSecret}"; };\n`);
  writeFileSync(join(zoneSet, '.zonegate/named-zones.conf'), '');
  const named = await startDaemon('named', '/usr/sbin/named', ['-g', '-4', '-c', join(S, 'named/named.conf')], /running/);
  say(`   sshd pid ${sshd.pid}, named pid ${named.pid}`);

  step("5. The primary pins the secondary's host key and adds the target");
  const fingerprint = spawnSync('ssh-keygen', ['-l', '-f', join(S, 'sshd/host_key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1];
  const knownHosts = join(P, 'known_hosts');
  const add = zonegate([
    'target',
    'add',
    'ns2',
    '--host',
    '127.0.0.1',
    '--port',
    String(sshPort),
    '--user',
    'root',
    '--known-hosts',
    knownHosts,
    '--identity',
    join(P, 'keys/ns2'),
    '--source',
    join(P, 'zones'),
    '--destination',
    `${zoneSet}/`,
    '--fingerprint',
    fingerprint,
  ]);
  expect(add.status === 0 && existsSync(knownHosts), `host key ${fingerprint} pinned after comparing the fingerprint`);
  const primaryConfig = {
    targets: {
      ns2: {
        host: '127.0.0.1',
        port: sshPort,
        user: 'root',
        identity: join(P, 'keys/ns2'),
        knownHosts,
        source: join(P, 'zones'),
        destination: `${zoneSet}/`,
        delete: true,
        zoneFile: 'db.{zone}',
      },
    },
    push: { stateDir: join(P, 'state'), logDir: join(P, 'log') },
  };
  writeFileSync(join(P, 'zonegate.conf'), `// The demo primary: one target.\n${JSON.stringify(primaryConfig, null, 2)}\n`, { mode: 0o600 });

  step('6. Push a handful of zones (quiet on success, like cron wants it)');
  const zones = { 'example.com': 2026112301, 'example.net': 2026112301, 'example.org': 2026112301, '2.0.192.in-addr.arpa': 2026112301 };
  let clock = Math.floor(Date.now() / 1000) - 600;
  const writeZone = (name, text) => {
    writeFileSync(join(P, `zones/db.${name}`), text);
    clock += 2;
    utimesSync(join(P, `zones/db.${name}`), clock, clock);
  };
  for (const [name, serial] of Object.entries(zones)) writeZone(name, zone(name, serial));
  const first = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  // Quiet but for what cron should mail: the secondary now serves zones it did not before.
  expect(
    first.status === 0 &&
      // In rsync's file-list order, which is sorted by name.
      first.output.trim() === 'zonegate push: ns2: zones added on the secondary: 2.0.192.in-addr.arpa example.com example.net example.org',
    'zonegate push exit 0; its only output names the zones the secondary now serves',
  );
  const served = run(`dig +short -p ${dnsPort} @127.0.0.1 example.com SOA`, 'dig', [
    '+short',
    '-p',
    String(dnsPort),
    '@127.0.0.1',
    'example.com',
    'SOA',
  ]);
  expect(served.stdout.includes('2026112301'), 'named serves example.com with serial 2026112301');

  step('7. Change one zone and push again: only that zone is validated and reloaded');
  writeZone('example.com', zone('example.com', 2026112302, 'mail IN A 192.0.2.25\n'));
  const second = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  expect(second.status === 0, 'push exit 0');
  expect(servedSerial(dnsPort, 'example.com') === '2026112302', `dig: example.com now serves ${servedSerial(dnsPort, 'example.com')}`);
  const finished = readFileSync(join(S, 'log/gate.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((r) => r.event === 'finished')
    .at(-1);
  say(
    indent(
      `gate log: ${JSON.stringify({ outcome: finished.outcome, changed: finished.changed, reload: finished.reload, serials: finished.serials })}`,
    ),
  );
  expect(
    JSON.stringify(finished.changed) === '["example.com"]' && JSON.stringify(finished.reload) === '["reload example.com"]',
    'the gate reloaded only example.com',
  );

  const ssh = [
    'ssh',
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-i',
    join(P, 'keys/ns2'),
    '-p',
    String(sshPort),
  ];
  step("8. Refused: a shell-injection attempt with the primary's key");
  rmSync('/tmp/zonegate-demo-pwned', { force: true });
  const injection = run(`ssh … root@127.0.0.1 'rsync --server . ${zoneSet}/;touch /tmp/zonegate-demo-pwned'`, 'ssh', [
    ...ssh.slice(1),
    'root@127.0.0.1',
    `rsync --server . ${zoneSet}/;touch /tmp/zonegate-demo-pwned`,
  ]);
  expect(
    injection.status === 65 && /zonegate: denied: .*shell character ";"/.test(injection.stderr) && !existsSync('/tmp/zonegate-demo-pwned'),
    'denied (exit 65), nothing ran',
  );

  step('9. Refused: a push outside the allowed tree, and `zonegate check` explaining why');
  const outside = run(`rsync -a -e 'ssh …' ${join(P, 'zones')}/ root@127.0.0.1:/etc/bind/`, 'rsync', [
    '-a',
    '-e',
    ssh.join(' '),
    `${join(P, 'zones')}/`,
    'root@127.0.0.1:/etc/bind/',
  ]);
  expect(outside.status !== 0 && /zonegate: denied: path is outside the allowed tree/.test(outside.stderr), 'denied, /etc/bind untouched');
  const denied = readFileSync(join(S, 'log/gate.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((r) => r.verdict === 'deny')
    .at(-1);
  const check = zonegate(['check', '--config', join(S, 'zonegate.conf'), '--key', 'ns1', '--client', '127.0.0.1', '--', denied.command]);
  expect(check.status === 1 && check.stdout.startsWith('deny: path is outside the allowed tree'), 'zonegate check: deny, and why');

  step('10. Refused: a broken zone; named keeps serving the old serial');
  writeZone('example.net', zone('example.net', 2026112302, 'www2 IN A 999.0.0.1\n'));
  const local = zonegate(['push', '--config', join(P, 'zonegate.conf')]);
  expect(local.status !== 0 && /example\.net/.test(local.output), 'zonegate push refuses it on the primary: it never leaves');
  const raw = run(`rsync -rt -e 'ssh …' ${join(P, 'zones')}/ root@127.0.0.1:${zoneSet}/   (bypassing the primary's check)`, 'rsync', [
    '-rt',
    '-e',
    ssh.join(' '),
    `${join(P, 'zones')}/`,
    `root@127.0.0.1:${zoneSet}/`,
  ]);
  expect(
    raw.status === 80 && /zone example\.net \(db\.example\.net\) is invalid: .*bad dotted quad/.test(raw.stderr),
    "the secondary refuses it too, with named-checkzone's message (exit 80)",
  );
  expect(servedSerial(dnsPort, 'example.net') === '2026112301', `dig: example.net still serves ${servedSerial(dnsPort, 'example.net')}`);
  writeZone('example.net', zone('example.net', 2026112302));

  step('11. Status, for people and for monitoring');
  const status = zonegate(['status', '--config', join(P, 'zonegate.conf')]);
  expect(status.status === 0 || status.status === 1, 'zonegate status on the primary');
  const secondaryStatus = zonegate(['status', '--config', join(S, 'zonegate.conf'), '--nagios']);
  expect(secondaryStatus.status === 0, 'zonegate status --nagios on the secondary: OK, the last good push is fresh');
  const releases = zonegate(['releases', 'external', '--config', join(S, 'zonegate.conf')]);
  expect(releases.status === 0, "zonegate releases lists the zone set's releases");
}

function cleanUp() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

try {
  await main();
} catch (error) {
  say(`\nFAILED: ${error instanceof Error ? error.message : String(error)}`);
  failures += 1;
} finally {
  cleanUp();
}
say(
  failures === 0
    ? '\nDemo complete: every step did what it says; everything it started is stopped and removed.'
    : `\nDemo FAILED: ${failures} step(s) did not do what they say.`,
);
process.exitCode = failures === 0 ? 0 : 1;
