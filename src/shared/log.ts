// The admin CLI's pino logger: JSON lines to stderr, because stdout is the command's output. (The
// gate writes its audit log with src/gate/audit-log.ts, which keeps pino off its start-up path.)

import pino, { type Logger } from 'pino';

export function createAdminLog(level: string): Logger {
  return pino({ level, base: { component: 'admin' } }, pino.destination(2));
}
