import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error';

/** 406 unless the Accept header allows `type` (no Accept header allows anything). */
export function produces(type: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.get('accept') || req.accepts(type)) return next();
    throw new AppError('NOT_ACCEPTABLE', { available: type, accept: req.get('accept') ?? '' });
  };
}
