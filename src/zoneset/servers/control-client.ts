// One rndc command sent to named's control channel from this process, as rndc sends it (BIND's
// bin/rndc/rndc.c): on one TCP connection, a signed `null` message first, whose signed answer
// carries named's nonce; then the command with that nonce. Each answer is read as hostile input:
// its length is capped before anything is buffered, its HMAC is checked, it must be a reply to the
// serial we sent; one deadline covers the connection and both exchanges.

import { randomInt } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { decodeMessage, encodeMessage, MAX_MESSAGE, textOf, WireError, type CcTable, type ControlKey } from './control-wire.js';

export interface ControlTarget extends ControlKey {
  host: string;
  port: number;
}

/** What named answered: `err` set means the command failed (rndc prints it and exits 1). */
export interface ControlAnswer {
  err: string | undefined;
  text: string | undefined;
}

/** The lifetime rndc gives a message (its `_exp`, seconds after `_tim`). */
const EXPIRY_S = 60;

/** Collects framed messages from a socket, refusing an announced length above MAX_MESSAGE. */
class FrameReader {
  private buffered = Buffer.alloc(0);
  private waiting: { resolve: (message: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failed: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.failed !== undefined) return;
      this.buffered = Buffer.concat([this.buffered, chunk]);
      // Bounded whether or not an answer is awaited: nothing named says may outgrow one message.
      const tooLong = this.buffered.length > 4 + MAX_MESSAGE || (this.buffered.length >= 4 && this.buffered.readUInt32BE(0) > MAX_MESSAGE);
      if (tooLong) this.fail(new WireError('answer longer than allowed'));
      else this.deliver();
    });
    socket.on('end', () => {
      this.fail(new WireError('connection to remote host closed'));
    });
    socket.on('error', (error) => {
      this.fail(error);
    });
  }

  fail(error: Error): void {
    this.failed ??= error;
    this.waiting?.reject(this.failed);
    this.waiting = undefined;
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  private deliver(): void {
    if (this.waiting === undefined) return;
    if (this.failed !== undefined) {
      this.fail(this.failed);
      return;
    }
    if (this.buffered.length < 4) return;
    const length = this.buffered.readUInt32BE(0);
    if (this.buffered.length < 4 + length) return;
    // named answers each message once: anything after the answer is not its protocol.
    if (this.buffered.length > 4 + length) {
      this.fail(new WireError('more data than one answer'));
      return;
    }
    const message = this.buffered.subarray(4);
    this.buffered = Buffer.alloc(0);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(message);
  }
}

function request(target: ControlTarget, command: string, serial: number, nonce: string | undefined): Buffer {
  const now = Math.floor(Date.now() / 1000);
  const ctrl: CcTable = new Map([
    ['_ser', Buffer.from(String(serial))],
    ['_tim', Buffer.from(String(now))],
    ['_exp', Buffer.from(String(now + EXPIRY_S))],
  ]);
  if (nonce !== undefined) ctrl.set('_nonce', Buffer.from(nonce));
  return encodeMessage(
    target,
    new Map([
      ['_ctrl', ctrl],
      ['_data', new Map([['type', Buffer.from(command)]])],
    ]),
  );
}

/** Checks that `message` is named's signed reply to our `serial` for `command`; returns it. */
function reply(target: ControlTarget, message: Buffer, serial: number, command: string): CcTable {
  const answer = decodeMessage(target, message);
  const ctrl = answer.get('_ctrl');
  if (textOf(ctrl, '_rpl') !== '1') throw new WireError('not a reply');
  if (textOf(ctrl, '_ser') !== String(serial)) throw new WireError('reply to another serial');
  if (textOf(answer.get('_data'), 'type') !== command) throw new WireError('reply to another command');
  return answer;
}

async function exchange(socket: Socket, reader: FrameReader, target: ControlTarget, command: string): Promise<ControlAnswer> {
  const first = randomInt(1, 2 ** 32 - 1);
  socket.write(request(target, 'null', first, undefined));
  const nonce = textOf(reply(target, await reader.next(), first, 'null').get('_ctrl'), '_nonce');
  if (nonce === undefined || !/^[0-9]{1,10}$/.test(nonce)) throw new WireError('no nonce in the answer');
  const second = randomInt(1, 2 ** 32 - 1);
  socket.write(request(target, command, second, nonce));
  const data = reply(target, await reader.next(), second, command).get('_data');
  return { err: textOf(data, 'err'), text: textOf(data, 'text') };
}

/**
 * Sends `command` (rndc's words joined by spaces, e.g. "reload a.example") and returns named's
 * answer. Throws when the exchange itself fails: no connection, the deadline, a closed connection
 * (named closes it on a wrong key), an answer that is too long, unsigned, badly signed or not ours.
 */
export async function sendControlCommand(target: ControlTarget, command: string, timeoutMs: number): Promise<ControlAnswer> {
  const socket = connect({ host: target.host, port: target.port });
  const reader = new FrameReader(socket);
  let expire: (error: Error) => void = () => undefined;
  const deadline = new Promise<never>((_resolve, reject) => (expire = reject));
  const timer = setTimeout(() => {
    expire(new WireError(`no answer within ${String(timeoutMs)} ms`));
  }, timeoutMs);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const answered = connected.then(() => exchange(socket, reader, target, command));
  // Whichever loses the race settles later (or never) with nobody listening: not an unhandled rejection.
  answered.catch(() => undefined);
  deadline.catch(() => undefined);
  try {
    return await Promise.race([answered, deadline]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
