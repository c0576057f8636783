import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error';

export interface RateLimitOptions {
  /** Requests allowed per client within `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Which client a request belongs to; the remote address by default. */
  readonly key?: (req: Request) => string;
}

/**
 * A fixed-window limiter kept in this process's memory: enough to blunt a
 * credential-guessing loop on one API process. 429 with Retry-After beyond the limit.
 */
export function rateLimit(options: RateLimitOptions) {
  const windows = new Map<string, { start: number; count: number }>();
  const keyOf = options.key ?? ((req: Request) => req.ip ?? 'unknown');
  return (req: Request, _res: Response, next: NextFunction): void => {
    const now = Date.now();
    const key = keyOf(req);
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      if (windows.size > 10_000) windows.clear(); // bound memory under address spraying
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= options.limit) return next();
    const retryAfter = Math.max(1, Math.ceil((window.start + options.windowMs - now) / 1000));
    throw new AppError('RATE_LIMITED', { retryAfter }, { headers: { 'Retry-After': String(retryAfter) } });
  };
}
