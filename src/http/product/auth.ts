import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../../auth/constant-time';
import { AppError } from '../../errors/app-error';

/**
 * The product API's bearer token (PRODUCT_API_TOKENS; the admin token is not one), compared with every
 * configured token in constant time.
 */
export function requireProduct(tokens: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    let valid = false;
    for (const token of tokens) valid = safeEqual(token, bearer) || valid;
    if (!valid)
      throw new AppError('PRODUCT_TOKEN_INVALID', {}, { headers: { 'WWW-Authenticate': 'Bearer realm="product"' } });
    next();
  };
}
