// The project's root, found from this file whether it runs from test/lab (vitest) or compiled from
// build/test/lab (the demo and the benchmarks): the nearest parent with zonegate's package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'zonegate') return dir;
    if (dirname(dir) === dir) throw new Error(`no zonegate package.json above ${from}`);
  }
}

export const PROJECT = findRoot(dirname(fileURLToPath(import.meta.url)));

export function projectPath(relative: string): string {
  return join(PROJECT, relative);
}
