// `npm run bench [-- --json]`: runs scripts/bench-gate.ts once. With --json the human report goes
// to stderr and stdout carries one JSON object (gateDeny, gateAllow, the raw times, every table).
// Exit 0 when it ran (even when a target is missed), 1 when a step failed.

import { withScope } from '../test/lab/scope.js';
import { BenchError, runGateBenchmark } from './bench-gate.js';

const json = process.argv.includes('--json');
const unknown = process.argv.slice(2).filter((arg) => arg !== '--json');
if (unknown.length > 0) {
  console.error(`bench-gate: unknown argument ${unknown.join(' ')} (usage: npm run bench [-- --json])`);
  process.exitCode = 64;
} else {
  try {
    const results = await withScope('bench-gate', (scope) => runGateBenchmark(scope, { json }));
    if (json) console.log(JSON.stringify(results));
  } catch (error) {
    console.error(
      `bench-gate: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  }
}
