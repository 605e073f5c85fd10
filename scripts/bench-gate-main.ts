// `npm run bench [-- --json] [--decisions-only [--gate FILE] [--baseline FILE] [--runs N]]`: runs scripts/bench-gate.ts.
// --json: the human report goes to stderr and stdout carries one JSON object last (gateDeny,
// gateAllow, the raw times). --decisions-only: only the gate-vs-rrsync decision rows
// (measureGateRatios); --gate FILE times another build's bin/gate.cjs there; --baseline FILE times
// another build beside this one in the same interleaved loop (before/after on a loaded machine).
// Exit 0 when it ran (even when a target is missed), 1 when a step failed, 64 on bad arguments.

import { parseArgs } from 'node:util';
import { withScope } from '../test/lab/scope.js';
import { BenchError, measureGateRatios, runGateBenchmark } from './bench-gate.js';

function options(): { json: boolean; decisionsOnly: boolean; gate?: string; baseline?: string; runs?: number } | string {
  try {
    const { values } = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        'decisions-only': { type: 'boolean', default: false },
        gate: { type: 'string' },
        baseline: { type: 'string' },
        runs: { type: 'string' },
      },
      strict: true,
    });
    const runs = values.runs === undefined ? undefined : Number(values.runs);
    if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) return '--runs must be a positive integer';
    if ((values.gate !== undefined || values.baseline !== undefined) && !values['decisions-only'])
      return '--gate and --baseline need --decisions-only';
    return {
      json: values.json,
      decisionsOnly: values['decisions-only'],
      ...(values.gate === undefined ? {} : { gate: values.gate }),
      ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
      ...(runs === undefined ? {} : { runs }),
    };
  } catch (error) {
    return (error as Error).message;
  }
}

const parsed = options();
if (typeof parsed === 'string') {
  console.error(`bench-gate: ${parsed} (usage: npm run bench -- [--json] [--decisions-only [--gate FILE] [--baseline FILE] [--runs N]])`);
  process.exitCode = 64;
} else {
  try {
    const results = await withScope('bench-gate', (scope) =>
      parsed.decisionsOnly ? measureGateRatios({ scope, ...parsed }) : runGateBenchmark(scope, { json: parsed.json }),
    );
    if (parsed.json) console.log(JSON.stringify(results));
    else if (parsed.decisionsOnly) console.log(JSON.stringify(results, null, 2));
  } catch (error) {
    console.error(
      `bench-gate: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  }
}
