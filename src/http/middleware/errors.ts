import type { NextFunction, Request, Response } from 'express';
import { isDatabaseUnavailable } from '../../db/client';
import { AppError, errorBody } from '../../errors/app-error';

export const RETRY_AFTER_SECONDS = 5;

/** Last route: 404 in the catalogue's shape. */
export function notFound(req: Request): never {
  throw new AppError('ROUTE_NOT_FOUND', { method: req.method, path: req.path });
}

/** Express's body parsers and friends signal client errors with these statuses. */
function fromHttpError(error: unknown): AppError | null {
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (status === 413) {
    // body-parser reports the limit it enforced, in bytes.
    const limit = (error as { limit?: unknown }).limit;
    return new AppError('PAYLOAD_TOO_LARGE', { limit: typeof limit === 'number' ? `${limit} bytes` : 'size limit' }, { cause: error });
  }
  if (status === 400) return new AppError('BODY_MALFORMED', { reason: 'malformed request' }, { cause: error });
  return null;
}

/**
 * Maps every error to the catalogue: AppErrors as they are, an unreachable
 * database to 503, anything else to a 500 that leaks nothing but the request id.
 */
export function errorHandler() {
  // Express recognises error handlers by their four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appError: AppError;
    if (error instanceof AppError) {
      appError = error;
    } else if (isDatabaseUnavailable(error)) {
      appError = new AppError(
        'DEPENDENCY_UNAVAILABLE',
        { dependency: 'PostgreSQL' },
        { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, cause: error },
      );
      req.log.error({ err: error }, 'database unavailable');
    } else {
      appError = fromHttpError(error) ?? new AppError('INTERNAL_ERROR', {}, { cause: error });
      if (appError.code === 'INTERNAL_ERROR') req.log.error({ err: error }, 'unhandled error');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
    res.status(appError.status).json(errorBody(appError, req.requestId));
  };
}
