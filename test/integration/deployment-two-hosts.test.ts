// README's deployment on two hosts (test/deployment/two-hosts.sh): two network namespaces joined
// by a veth pair, each with its own sshd, named, /etc and accounts; the package installed from the
// packed tarball; a dedicated account on the secondary; from= accepted from the primary's real
// addresses and refused from a third one. This file also keeps README and the script in step: every
// deployment command the script runs appears verbatim in README.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/admin-cli.js';
import { packTarball } from '../helpers/package.js';
import { requireTool } from '../lab/tools.js';

const SCRIPT = join(ROOT, 'test', 'deployment', 'two-hosts.sh');
let base: string;
let tarball: string;

beforeAll(async () => {
  for (const [tool, pkg] of [
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/bin/nsenter', 'util-linux'],
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/sbin/named', 'bind9'],
    ['/usr/bin/dig', 'bind9-dnsutils'],
    ['/usr/sbin/adduser', 'adduser'],
  ] as const)
    requireTool(tool, pkg);
  base = await mkdtemp(join(tmpdir(), 'zonegate-deploy-'));
  tarball = await packTarball(base);
}, 480_000);
afterAll(async () => rm(base, { recursive: true, force: true }));

/** The deployment commands the script runs on a host, as an admin would type them. */
function deploymentCommands(script: string): string[] {
  return script
    .split('\n')
    .map((line) => /^on (?:pri|sec) ((?:zonegate|adduser|install|named-checkconf)\b.*)$/.exec(line)?.[1])
    .filter((command): command is string => command !== undefined)
    .map((command) =>
      command
        .replace(/ --quiet/, '')
        .replace(/ >\/dev\/null$/, '')
        .replace(/ "\$fingerprint"$/, ' SHA256:…'),
    );
}

describe('README deployment on two hosts', () => {
  it('README shows every deployment command the script runs', async () => {
    const [script, readme] = await Promise.all([readFile(SCRIPT, 'utf8'), readFile(join(ROOT, 'README.md'), 'utf8')]);
    const commands = deploymentCommands(script);
    expect(commands.length).toBeGreaterThan(10);
    const flat = readme.replace(/\s+/g, ' ');
    expect(commands.filter((command) => !flat.includes(command))).toEqual([]);
  });

  it('installs from the tarball, pushes through sshd and the gate, named serves it; from= refuses a third address', async () => {
    const result = await execa('bash', [SCRIPT, tarball], { reject: false, timeout: 420_000, all: true });
    if (result.exitCode !== 0) throw new Error(`two-hosts.sh exited ${String(result.exitCode)}:\n${result.all}`);
    const steps = result.stdout.split('\n').filter((line) => line.startsWith('STEP '));
    expect(steps).toHaveLength(13);
    expect(result.stdout).toContain('ZONEGATE OK');
    expect(result.stdout).toMatch(/^RESULT first-verified-push-ms=\d+$/m);
  }, 480_000);
});
