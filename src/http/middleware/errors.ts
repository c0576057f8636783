import { isDatabaseUnavailable } from '../../db/failures';
import type { NextFunction, Request, Response } from 'express';

import { AppError, errorBody } from '../../errors/app-error';

export const RETRY_AFTER_SECONDS = 5;

/** RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (the server leaves this check to us, to answer it in JSON). */
export function hostRequired(req: Request, _res: Response, next: NextFunction): void {
  if (req.httpVersion === '1.1' && req.headers.host === undefined)
    throw new AppError('MALFORMED_REQUEST', { reason: 'the Host header is missing' });
  next();
}

/** Last route: 404 in the catalogue's shape. */
export function notFound(req: Request): never {
  throw new AppError('ROUTE_NOT_FOUND', { method: req.method, path: req.path });
}

/** Express's body parsers and friends signal client errors with these statuses. */
function fromHttpError(error: unknown): AppError | null {
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  const type = (error as { type?: unknown }).type;
  // The router decoding a path segment with a broken percent-escape (e.g. /events/%E0%A4%A): no body involved.
  if (error instanceof URIError)
    return new AppError('PARAMETER_INVALID', { name: 'path', reason: 'has a broken percent-escape' }, { cause: error });
  if (type === 'charset.unsupported') {
    const charset = String((error as { charset?: unknown }).charset ?? '?').slice(0, 50);
    return new AppError('UNSUPPORTED_CHARSET', { charset, supported: 'utf-8' }, { cause: error });
  }
  if (type === 'encoding.unsupported') {
    const encoding = String((error as { encoding?: unknown }).encoding ?? '?').slice(0, 50);
    return new AppError(
      'UNSUPPORTED_CONTENT_ENCODING',
      { encoding, supported: 'identity, gzip, deflate, br' },
      { cause: error },
    );
  }
  if (status === 413) {
    // body-parser reports the limit it enforced, in bytes.
    const limit = (error as { limit?: unknown }).limit;
    return new AppError(
      'PAYLOAD_TOO_LARGE',
      { limit: typeof limit === 'number' ? `${limit} bytes` : 'size limit' },
      { cause: error },
    );
  }
  if (status === 400 && typeof type === 'string')
    return new AppError('BODY_MALFORMED', { reason: 'malformed request' }, { cause: error });
  if (status === 400) return new AppError('MALFORMED_REQUEST', { reason: 'malformed request' }, { cause: error });
  return null;
}

/**
 * Maps every error to the catalogue: AppErrors as they are, an unreachable
 * database to 503, anything else to a 500 that leaks nothing but the request id.
 */
export function appErrorOf(error: unknown, req: Request): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) {
    req.log.error({ err: error }, 'database unavailable');
    return new AppError(
      'DEPENDENCY_UNAVAILABLE',
      { dependency: 'PostgreSQL' },
      { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, cause: error },
    );
  }
  const known = fromHttpError(error);
  if (known) return known;
  req.log.error({ err: error }, 'unhandled error');
  return new AppError('INTERNAL_ERROR', {}, { cause: error });
}

/** Sends `appError` with its headers and `body` (the catalogue's body unless a route shapes its own). */
export function sendError(res: Response, appError: AppError, body: object): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
  res.status(appError.status).json(body);
}

export function errorHandler() {
  // Express recognises error handlers by their four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = appErrorOf(error, req);
    sendError(res, appError, errorBody(appError, req.requestId));
  };
}
