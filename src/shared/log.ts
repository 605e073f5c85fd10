// pino factories. The gate's fd 1 is the rsync protocol stream, so the gate logs to a file, and
// synchronously with our own writeSync destination: a failed write throws, and the gate refuses
// (the audit log is never silently lost), and a record is on disk before rsync starts.

import { closeSync, openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { DeniedError } from './errors.js';

export interface AuditLog {
  logger: Logger;
  close(): void;
}

export function openGateLog(file: string): AuditLog {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DeniedError('log-unwritable', `cannot open the audit log ${file} (${code})`, { cause: error });
  }
  const destination = {
    write(line: string): void {
      try {
        writeSync(fd, line);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new DeniedError('log-unwritable', `cannot write the audit log ${file} (${code})`, { cause: error });
      }
    },
  };
  const logger = pino({ base: { component: 'gate' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return { logger, close: () => closeSync(fd) };
}

export function createAdminLog(level: string): Logger {
  return pino({ level, base: { component: 'admin' } }, pino.destination(2));
}
