// README's and docs/push.md's exit-code tables are what operators script against: they must list
// exactly the codes src/shared/exit-codes.ts gives, no fewer (an undocumented code) and no more (a
// documented code nothing returns).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_EXIT, EXIT, GATE_EXIT_TABLE, NAGIOS_EXIT, PUSH_EXIT, ZONE_EXIT } from '../../src/shared/exit-codes.js';
import { ROOT } from '../helpers/admin-cli.js';

/** The text of one `## heading` section of a markdown file. */
function section(file: string, heading: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The first cells of a section's table rows, as written ("0–35", "64", "128+n"). */
function firstCells(text: string): string[] {
  return [...text.matchAll(/^\| *([^|]+?) *\|/gm)].map((match) => match[1] ?? '').filter((cell) => cell !== 'code' && !/^-+$/.test(cell));
}

const numeric = (cells: string[]): number[] =>
  cells
    .filter((cell) => /^\d+$/.test(cell))
    .map(Number)
    .sort((a, b) => a - b);
const sorted = (codes: Iterable<number>): number[] => [...new Set(codes)].sort((a, b) => a - b);

describe("README's exit-code table", () => {
  const cells = firstCells(section('README.md', 'Exit codes'));

  it('lists every gate, admin CLI and zone-set code of src/shared/exit-codes.ts, and no other', () => {
    const expected = sorted([...Object.values(EXIT), ...Object.values(ZONE_EXIT)].filter((code) => code !== EXIT.ok));
    expect(numeric(cells)).toEqual(expected);
  });

  it('covers every code a secondary returns through ssh (the table the push runner retries by)', () => {
    for (const entry of GATE_EXIT_TABLE) expect(numeric(cells)).toContain(entry.code);
  });

  it("keeps rsync's own band and signal deaths apart from ours", () => {
    expect(cells).toContain('0–35');
    expect(cells).toContain('128+n');
    for (const code of numeric(cells)) expect(code).toBeGreaterThan(35);
  });

  it("states `zonegate check`'s own small table", () => {
    const text = section('README.md', 'Exit codes');
    expect(text).toContain(
      `\`zonegate check\`: ${String(CHECK_EXIT.allow)} allow, ${String(CHECK_EXIT.deny)} deny, ${String(CHECK_EXIT.usage)} usage or config error`,
    );
  });
});

describe("docs/push.md's exit-code table", () => {
  it('lists every push code, the usage and the config error, and no other', () => {
    const cells = firstCells(section('docs/push.md', 'Exit codes'));
    const { interruptedBase, ...plain } = PUSH_EXIT;
    expect(numeric(cells)).toEqual(sorted([...Object.values(plain), EXIT.usage, EXIT.config]));
    // A signal's exit is a base plus the signal's number, written as the shell writes it.
    expect(cells).toContain(`${String(interruptedBase)}+n`);
  });

  it("states the Nagios plugin's four codes", () => {
    const text = section('docs/push.md', '`zonegate status`');
    expect(text).toMatch(
      new RegExp(
        `exit ${String(NAGIOS_EXIT.ok)} OK, ${String(NAGIOS_EXIT.warning)} WARNING,\\s+${String(NAGIOS_EXIT.critical)} CRITICAL, ${String(NAGIOS_EXIT.unknown)} UNKNOWN`,
      ),
    );
  });
});
