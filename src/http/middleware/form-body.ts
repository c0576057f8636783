import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../errors/app-error';
import type { ZodType } from 'zod';
import { parameterError } from '../input';
import { bodyEncoding } from './body';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Parses an `application/x-www-form-urlencoded` body: 415 for another Content-Type (or none) and for an
 * unsupported charset or Content-Encoding, 413 above `limit`. A parameter sent more than once is refused by
 * name (400; RFC 6749 §3.2 makes it an invalid_request at the token endpoint) rather than reaching code that
 * expects one string.
 */
export function formBody(limit: string) {
  const parse = express.urlencoded({ extended: false, limit, type: () => true });
  const encoding = bodyEncoding('form');
  const contentType = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is(FORM))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: FORM, received: req.get('content-type') ?? 'none' });
    next();
  };
  const once = (req: Request, _res: Response, next: NextFunction): void => {
    req.body ??= {};
    for (const [name, value] of Object.entries(req.body as Record<string, unknown>)) {
      if (typeof value !== 'string')
        throw new AppError('PARAMETER_INVALID', { name: name.slice(0, 50), reason: 'is repeated' });
    }
    next();
  };
  return [contentType, encoding, parse, once];
}

/** Validates a parsed form with `schema`: 400 naming the first bad parameter, else the parsed value replaces it. */
export function validateForm<T>(schema: ZodType<T>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) throw parameterError(parsed.error.issues);
    req.body = parsed.data;
    next();
  };
}
