import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout, one line per record. `component` says which process wrote it
 * (api, worker, supervisor); request-scoped children add `requestId`.
 */
export function createLogger(level: string, component: string): Logger {
  return pino({
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
  });
}
