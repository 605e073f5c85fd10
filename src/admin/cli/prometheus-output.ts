// Where `status --prometheus` text goes: stdout, or with --output a file replaced atomically, so
// node_exporter's textfile collector never reads half of it.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.js';

export function writePrometheusText(text: string, output: string | undefined): void {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(output), { recursive: true });
  writeFileAtomic(output, text);
}
