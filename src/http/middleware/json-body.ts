import express, { type NextFunction, type Request, type Response } from 'express';
import type { ZodType } from 'zod';
import { AppError } from '../../errors/app-error';
import { bodyEncoding } from './body';

/**
 * Parses a JSON body: 415 for another Content-Type or an unsupported charset or Content-Encoding,
 * 413 above `limit`, 400 for malformed JSON. A request without a body is allowed through as `{}`.
 */
export function jsonBody(limit = '100kb') {
  const parse = express.json({ limit, type: () => true });
  const encoding = bodyEncoding('json');
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (!hasBody) {
      req.body = {};
      return next();
    }
    if (!req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
        expected: 'application/json',
        received: req.get('content-type') ?? 'none',
      });
    }
    encoding(req, res, () => undefined);
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') return next(new AppError('PAYLOAD_TOO_LARGE', { limit }));
      if (type === 'entity.parse.failed') {
        return next(new AppError('BODY_MALFORMED', { reason: 'invalid JSON' }, { cause: error }));
      }
      return next(error);
    });
  };
}

export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * Validates `req.body` with `schema`: `code` (422 VALIDATION_FAILED, or 400 BODY_INVALID where the caller is
 * AppDirect, which expects a 400 for a bad request) listing every invalid field, else the parsed value replaces
 * the body.
 */
export function validateBody<T>(schema: ZodType<T>, code: 'VALIDATION_FAILED' | 'BODY_INVALID' = 'VALIDATION_FAILED') {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const parsed = schema.safeParse(req.body);
    if (parsed.success) {
      req.body = parsed.data;
      return next();
    }
    const fields: FieldProblem[] = parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || '(body)',
      problem: issue.message,
    }));
    throw new AppError(
      code,
      { count: fields.length, fields: fields.map((f) => f.field).join(', ') },
      { details: { fields } },
    );
  };
}
