// The native rndc client against a fake control server on loopback that answers badly: every
// answer is hostile input, so each bad one must be refused, within the deadline, with nothing
// taken from it. (The real named is in rndc-native.test.ts; this is what named never sends.)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { sendControlCommand, type ControlTarget } from '../../src/zoneset/servers/control-client.js';
import { bindTool } from '../lab/tools.js';
import {
  CONTROL_ALGORITHMS,
  type ControlAlgorithm,
  decodeMessage,
  encodeMessage,
  encodeTable,
  frameSigned,
  textOf,
  type CcTable,
  type CcValue,
  type ControlKey,
} from '../../src/zoneset/servers/control-wire.js';

const KEY: ControlKey = { algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 1) };
const OTHER: ControlKey = { algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 2) };
const NONCE = '12345';

let server: Server | undefined;
afterEach(async () => {
  const open = server;
  if (open !== undefined) await new Promise((resolve) => open.close(resolve));
  server = undefined;
});

/** What the fake sends for each request it reads: the raw bytes, or undefined to stay silent. */
type Answer = (request: CcTable, index: number, socket: Socket) => Buffer | undefined;

/** A signed reply to `request` as named builds it, with `change` applied to its _ctrl and _data. */
function reply(request: CcTable, key = KEY, change: (ctrl: CcTable, data: CcTable) => void = () => undefined): Buffer {
  const ctrl = request.get('_ctrl') as CcTable;
  const data = request.get('_data') as CcTable;
  const answerCtrl: CcTable = new Map([
    ['_ser', ctrl.get('_ser') as Buffer],
    ['_tim', ctrl.get('_tim') as Buffer],
    ['_rpl', Buffer.from('1')],
    ['_nonce', Buffer.from(NONCE)],
  ]);
  const answerData: CcTable = new Map([
    ['type', data.get('type') as Buffer],
    ['result', Buffer.from('0')],
  ]);
  change(answerCtrl, answerData);
  return encodeMessage(
    key,
    new Map([
      ['_ctrl', answerCtrl],
      ['_data', answerData],
    ]),
  );
}

async function fake(answer: Answer, key = KEY): Promise<ControlTarget> {
  server = createServer((socket: Socket) => {
    let buffered = Buffer.alloc(0);
    let index = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const message = buffered.subarray(4, 4 + buffered.readUInt32BE(0));
        buffered = buffered.subarray(4 + message.length);
        const bytes = answer(decodeMessage(key, message), index++, socket);
        if (bytes !== undefined) socket.write(bytes);
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { host: '127.0.0.1', port: address.port, ...key };
}

const send = (target: ControlTarget, timeoutMs = 5000): Promise<unknown> => sendControlCommand(target, 'reload a.test', timeoutMs);

describe('the wire format against the real rndc program', () => {
  // The fake checks every request's HMAC with control-wire.ts and signs its answers with it; the
  // real rndc accepting those answers (exit 0, the text printed) proves the format both ways.
  it.each(Object.keys(CONTROL_ALGORITHMS) as ControlAlgorithm[])('rndc and control-wire.ts agree on %s', async (algorithm) => {
    const key: ControlKey = { algorithm, secret: Buffer.alloc(24, 3) };
    const seen: string[] = [];
    const target = await fake((request, index) => {
      seen.push(textOf(request.get('_data'), 'type') ?? '');
      return reply(request, key, (_ctrl, data) => index === 1 && data.set('text', Buffer.from('fake is fine')));
    }, key);
    const conf = join(mkdtempSync(join(tmpdir(), 'zonegate-rndc-alg-')), 'rndc.conf');
    const secret = key.secret.toString('base64');
    writeFileSync(
      conf,
      `key "k" { algorithm ${algorithm}; secret "${secret}"; };\noptions { default-key "k"; default-server 127.0.0.1; default-port ${String(target.port)}; };\n`,
    );
    const result = await execa(bindTool('rndc'), ['-c', conf, 'status'], { reject: false, timeout: 15_000 });
    expect([result.exitCode, result.stdout.trim(), seen]).toEqual([0, 'fake is fine', ['null', 'status']]);
    rmSync(dirname(conf), { recursive: true, force: true });
  });
});

describe('native rndc client against a hostile control server', () => {
  it('reads a well-formed signed answer (the fake itself is sound)', async () => {
    const target = await fake((request, index) =>
      reply(request, KEY, (_ctrl, data) => {
        if (index === 1) data.set('text', Buffer.from('zone reload queued'));
      }),
    );
    expect(await send(target)).toEqual({ err: undefined, text: 'zone reload queued' });
  });

  it('passes on named refusing the command as err and text', async () => {
    const target = await fake((request, index) =>
      reply(request, KEY, (_ctrl, data) => {
        if (index === 1) data.set('err', Buffer.from('not found'));
      }),
    );
    expect(await send(target)).toEqual({ err: 'not found', text: undefined });
  });

  // Attack: a length of 4 GiB, to make the client buffer without end.
  it('refuses an announced length above the cap without waiting for the bytes', async () => {
    const target = await fake(() => Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]));
    await expect(send(target)).rejects.toThrow(/longer than allowed/);
  });

  // Attack: an answer signed with another key (a server that is not our named).
  it('refuses an answer whose HMAC does not match the key', async () => {
    const target = await fake((request) => reply(request, OTHER));
    await expect(send(target)).rejects.toThrow(/HMAC does not match/);
  });

  // Attack: an answer without the _auth section at all.
  it('refuses an unsigned answer', async () => {
    const target = await fake((request) => {
      const signed = reply(request);
      const body = signed.subarray(8 + 6 + 5 + 99);
      const frame = Buffer.alloc(8);
      frame.writeUInt32BE(4 + body.length, 0);
      frame.writeUInt32BE(1, 4);
      return Buffer.concat([frame, body]);
    });
    await expect(send(target)).rejects.toThrow(/no _auth first/);
  });

  // Attack: a replayed (correctly signed) answer to another request.
  it('refuses a reply to another serial', async () => {
    const target = await fake((request) => reply(request, KEY, (ctrl) => ctrl.set('_ser', Buffer.from('1'))));
    await expect(send(target)).rejects.toThrow(/another serial/);
  });

  it('refuses a reply to another command', async () => {
    const target = await fake((request, index) =>
      reply(request, KEY, (_ctrl, data) => index === 1 && data.set('type', Buffer.from('stop'))),
    );
    await expect(send(target)).rejects.toThrow(/another command/);
  });

  it('refuses a first answer without a nonce', async () => {
    const target = await fake((request) => reply(request, KEY, (ctrl) => ctrl.delete('_nonce')));
    await expect(send(target)).rejects.toThrow(/no nonce/);
  });

  // Attack: a correctly signed answer with a value type named never sends (a list, 0x03).
  it('refuses a value of a type named never sends', async () => {
    const target = await fake((request) => {
      const entries = encodeTable(
        new Map<string, CcValue>([
          ['_ctrl', decodeMessage(KEY, reply(request).subarray(4)).get('_ctrl') as CcTable],
          ['text', Buffer.alloc(0)],
        ]),
      );
      entries.writeUInt8(3, entries.length - 5);
      return frameSigned(KEY, entries);
    });
    await expect(send(target)).rejects.toThrow(/type 3 not expected/);
  });

  it('refuses a truncated answer when the server closes the connection', async () => {
    const target = await fake((request, _index, socket) => {
      socket.end(reply(request).subarray(0, 40));
      return undefined;
    });
    await expect(send(target)).rejects.toThrow(/connection to remote host closed/);
  });

  it('refuses data beyond one answer', async () => {
    const target = await fake((request) => Buffer.concat([reply(request), Buffer.from([0])]));
    await expect(send(target)).rejects.toThrow(/more data than one answer/);
  });

  // Attack/accident: a server that accepts the connection and never answers.
  it('gives up at the deadline when nothing is answered', async () => {
    const target = await fake(() => undefined);
    await expect(send(target, 300)).rejects.toThrow(/no answer within 300 ms/);
  });

  it('reads the text of an answer only as text', () => {
    expect(textOf(new Map([['text', new Map()]]), 'absent')).toBeUndefined();
    expect(() => textOf(new Map([['text', new Map()]]), 'text')).toThrow(/not text/);
  });
});
