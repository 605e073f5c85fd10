// How the primary reads what the gate said: the closing `zonegate: exit N` line refines a dropped
// stream (rsync 5/10/12, ssh 255) into the gate's own code; a progress line without an exit line
// means the gate died after the transfer. Text from the secondary is hostile and is sanitized.

import { describe, expect, it } from 'vitest';
import { sanitizeReason } from '../../src/admin/push/remote-text.js';
import { classifyExit, gateExit } from '../../src/admin/push/transient.js';

const RSYNC_12 =
  'rsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: error in rsync protocol data stream (code 12)\n';
const BUSY = 'zonegate: denied: zone set z is busy with another push; gave up after 2 s, try again later (ref abc123)\nzonegate: exit 83\n';

describe('classifyExit with the gate lines', () => {
  it.each([
    // rsync noticed the closed stream before ssh handed over the gate's status (the race).
    [12, `${BUSY}${RSYNC_12}`, { status: 83, transient: true, reason: 'gate: zone set busy with another push' }],
    [255, BUSY, { status: 83, transient: true }],
    [12, 'zonegate: zone set z: push refused: …\nzonegate: exit 85\n', { status: 85, transient: false }],
    // rsync's own status stands when it is not "the stream ended".
    [23, 'zonegate: exit 83\n', { status: 23, transient: false }],
    // Attack: a hostile secondary claims an rsync code or success: only the gate's band is taken.
    [12, 'zonegate: exit 0\n', { status: 12, transient: true }],
    [12, 'zonegate: exit 24\n', { status: 12 }],
    [12, 'zonegate: exit 83 extra\n', { status: 12 }],
    // The gate got the files, said so, and died before its result.
    [
      255,
      'zonegate: progress: zone set z: transfer complete; checking, promoting and reloading\n',
      { status: 255, transient: true, reason: expect.stringMatching(/^the gate on the target ended without a result/) as string },
    ],
    [255, 'ssh: connect to host 127.0.0.1 port 1: Connection refused\n', { status: 255, transient: true, reason: 'ssh connection failed' }],
    // The gate's closing timing line says it finished its work: a stream that dropped afterwards is
    // the link's, not a gate killed while checking; and a timing line alone is no "transfer complete".
    [
      12,
      'zonegate: progress: zone set z: transfer complete; checking, promoting and reloading\nzonegate: progress: timing gate=40 total=90\n',
      { status: 12, transient: true, reason: 'rsync protocol data stream error (connection dropped)' },
    ],
    [12, 'zonegate: progress: timing gate=40 total=90\n', { status: 12, reason: 'rsync protocol data stream error (connection dropped)' }],
  ])('%i with %j', (status, stderr, expected) => {
    expect(classifyExit(status, stderr)).toMatchObject({ kind: 'failed', ...expected });
  });

  it('takes the last exit line', () => {
    expect(gateExit('zonegate: exit 83\nzonegate: exit 85\n')).toBe(85);
  });
});

describe('sanitizeReason', () => {
  it.each([
    ['zone set z is busy', 'zone set z is busy'],
    // Attack: ANSI escapes that rewrite the operator's terminal, a newline that forges a Nagios line.
    ['busy\u001b[2J\u001b[H', 'busy'],
    ['busy\nZONEGATE OK - all fine | x=1', 'busy ZONEGATE OK - all fine ¦ x=1'],
    // Attack: a bidi override that makes the text read differently than it is.
    ['zone \u202egnp.example', 'zone gnp.example'],
    ['\u0085\u007f', ''],
  ])('%j', (input, expected) => {
    expect(sanitizeReason(input)).toBe(expected);
  });

  it('caps the length, never splitting a surrogate pair', () => {
    const out = sanitizeReason('😀'.repeat(500), 41);
    expect(out.length).toBeLessThanOrEqual(41);
    expect(out).toMatch(/characters cut\]$/);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
