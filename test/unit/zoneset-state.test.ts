// state.json as found on disk, damaged or not, and the receiver argv a zone set runs: the pure
// parts of the recovery and shared-inode design (the real-process proofs are in test/integration/
// zoneset-damage.test.ts and zoneset-file-attrs.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRsyncServerArgs } from '../../src/gate/rsync-args.js';
import { tokenizeCommand } from '../../src/gate/tokenize.js';
import { receiverRequest, refuseInPlaceAttributes } from '../../src/zoneset/receiver.js';
import { inspectState } from '../../src/zoneset/state.js';
import { outcome } from '../helpers/outcome.js';

function stateFrom(text: string | undefined): ReturnType<typeof inspectState> {
  const file = join(mkdtempSync(join(tmpdir(), 'zonegate-state-')), 'state.json');
  if (text !== undefined) writeFileSync(file, text);
  return inspectState(file);
}

describe('inspectState', () => {
  it.each([
    ['missing (a new zone set)', undefined, undefined],
    ['a good state', '{"release":"r1","zones":3,"lastGoodPush":"2026-11-01T00:00:00Z"}', undefined],
    ['empty', '', 'empty (0 bytes)'],
    ['cut short', '{"release": "r1", "zo', 'not valid JSON (21 bytes)'],
    ['an array', '[]', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['a malformed journal', '{"release":"r1","pending":{"tree":"c"}}', 'its promotion journal (pending) is malformed'],
  ])('%s', (_what, text, damage) => {
    expect(stateFrom(text).damage).toBe(damage);
  });

  it('keeps what it can read and drops fields of the wrong type', () => {
    expect(stateFrom('{"release":7,"zones":-1,"bytes":4096,"files":"0:105:0640"}').state).toMatchObject({
      release: undefined,
      zones: undefined,
      bytes: 4096,
      files: '0:105:0640',
    });
  });
});

const request = (command: string): ReturnType<typeof parseRsyncServerArgs> => parseRsyncServerArgs(tokenizeCommand(command));

describe('the zone-set receiver argv', () => {
  it.each([
    ['rsync --server -tpre.iLsfxCIvu . /z/', 'tr'],
    ['rsync --server -tpEre.iLsfxCIvu . /z/', 'tr'],
    ['rsync --server -tpcre.iLsfxCIvu . /z/', 'cr'],
    ['rsync --server -tre.iLsfxCIvu --size-only . /z/', 'r'],
    ['rsync --server -re.iLsfxCIvu . /z/', 'r'],
  ])('%s runs with -%s (no -p/-E; no -t under -c or --size-only)', (command, flags) => {
    expect(receiverRequest(request(command)).shortFlags).toBe(flags);
  });

  it.each([
    ['rsync --server -logDtpre.iLsfxCIvu . /z/', 'option-refused-zoneset'],
    ['rsync --server -gtre.iLsfxCIvu . /z/', 'option-refused-zoneset'],
    ['rsync --server -Atre.iLsfxCIvu . /z/', 'option-refused-zoneset'],
    ['rsync --server -Utre.iLsfxCIvu . /z/', 'option-refused-zoneset'],
    ['rsync --server -tpcre.iLsfxCIvu . /z/', undefined],
  ])('%s', (command, reason) => {
    const result = outcome(() => {
      refuseInPlaceAttributes(request(command));
    });
    if (reason === undefined) expect(result.kind).not.toBe('refused');
    else expect(result).toMatchObject({ kind: 'refused', reason });
  });
});
