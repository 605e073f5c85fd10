// Packs the package the way a release would (`npm pack`, whose prepack builds dist/ from a clean
// tree) and installs the tarball globally into a temp prefix, as an admin's `npm i -g` does.
// The pack runs in a copy of the sources, so its clean build never removes the dist/ that other
// suites running at the same time use.

import { cp, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from './admin-cli.js';

/** What a release is built from: everything the build reads, nothing it writes. */
const SOURCES = [
  'src',
  'bin',
  'scripts',
  'templates',
  'schema',
  'man',
  'docs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'README.md',
];

/** Returns the path of the packed tarball, made in a new directory under `dir`. */
export async function packTarball(dir: string): Promise<string> {
  const copy = await mkdtemp(join(dir, 'source-'));
  for (const entry of SOURCES) await cp(join(ROOT, entry), join(copy, entry), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const out = await mkdtemp(join(dir, 'pack-'));
  await execa('npm', ['pack', '--silent', '--pack-destination', out], { cwd: copy, timeout: 240_000 });
  const tarballs = (await readdir(out)).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack made ${JSON.stringify(tarballs)}`);
  return join(out, tarballs[0] ?? '');
}

/** `npm i -g --prefix PREFIX TARBALL`: the runtime dependencies only, bins in PREFIX/bin. */
export async function installGlobally(tarball: string, prefix: string): Promise<void> {
  await execa('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball], {
    timeout: 240_000,
    cwd: tmpdir(),
  });
}

/** Where the installed package lives under a global prefix. */
export function installedPackage(prefix: string): string {
  return join(prefix, 'lib', 'node_modules', 'zonegate');
}
