import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logging/logger';

declare global {
  // Express augments its Request type this way; the interface must merge, so it cannot be a type alias.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Echoed as X-Request-Id and on every log line of the request. */
      requestId: string;
      log: Logger;
    }
  }
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The request's full path without its query string. `req.path` is relative to the router that runs
 * (`/events` inside the router mounted at /admin/api), and by the time a response finishes it is whichever
 * router answered; every log line and error message names the request by this instead.
 */
export const fullPathOf = (req: Request): string => req.originalUrl.split('?')[0]!;

/**
 * Gives every request an id (the caller's X-Request-Id when it is safe to echo,
 * else a new UUID), a child logger carrying it, and one access-log line.
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      req.log[level](
        {
          method: req.method,
          path: fullPathOf(req),
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
        },
        'request finished',
      );
    });
    next();
  };
}
