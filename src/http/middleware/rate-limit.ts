import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error';

/** Clients tracked at once; beyond it new clients share one bucket, so address spraying cannot reset anyone. */
const MAX_TRACKED_CLIENTS = 10_000;
const OVERFLOW_KEY = '\u0000overflow';

/**
 * Fixed windows per key, kept in this process's memory. When the table is full, expired windows are
 * dropped; if it is still full, new keys count in one shared overflow window (never a reset of all).
 */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly windowMs: number) {}

  private windowOf(key: string, now: number): { start: number; count: number } {
    let window = this.windows.get(key);
    if (window && now - window.start < this.windowMs) return window;
    if (!window && key !== OVERFLOW_KEY && this.windows.size >= MAX_TRACKED_CLIENTS) {
      for (const [other, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(other);
      if (this.windows.size >= MAX_TRACKED_CLIENTS) return this.windowOf(OVERFLOW_KEY, now);
    }
    window = { start: now, count: 0 };
    this.windows.set(key, window);
    return window;
  }

  /** Counts one hit for `key` and returns the count in its window. */
  hit(key: string, now = Date.now()): number {
    const window = this.windowOf(key, now);
    window.count += 1;
    return window.count;
  }

  /** Hits in the current window of `key`, without counting one. */
  peek(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    return window && now - window.start < this.windowMs ? window.count : 0;
  }

  /** Seconds until the window of `key` ends (at least 1). */
  retryAfter(key: string, now = Date.now()): number {
    const window = this.windows.get(key) ?? this.windows.get(OVERFLOW_KEY);
    return window ? Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)) : 1;
  }
}

export interface RateLimitOptions {
  /** Requests allowed per client within `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Which client a request belongs to; the remote address by default (see TRUST_PROXY). */
  readonly key?: (req: Request) => string;
}

const clientOf = (req: Request) => req.ip ?? 'unknown';

const rateLimited = (retryAfter: number) =>
  new AppError('RATE_LIMITED', { retryAfter }, { headers: { 'Retry-After': String(retryAfter) } });

/**
 * A fixed-window limiter kept in this process's memory: enough to blunt a
 * credential-guessing loop on one API process. 429 with Retry-After beyond the limit.
 */
export function rateLimit(options: RateLimitOptions) {
  const counter = new WindowCounter(options.windowMs);
  const keyOf = options.key ?? clientOf;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = keyOf(req);
    if (counter.hit(key) <= options.limit) return next();
    throw rateLimited(counter.retryAfter(key));
  };
}

/**
 * Limits failed credential attempts: per client, and over all clients together, so spreading guesses
 * over many addresses does not buy more guesses. `gate` runs before credentials are checked (a client
 * over budget learns nothing about its guess); `recordFailure` after a refusal.
 */
export class CredentialGuessLimiter {
  private readonly perClient: WindowCounter;
  private readonly overall: WindowCounter;

  constructor(private readonly options: { perClient: number; overall: number; windowMs: number }) {
    this.perClient = new WindowCounter(options.windowMs);
    this.overall = new WindowCounter(options.windowMs);
  }

  /** Throws 429 when this client, or everyone together, has failed too often in the window. */
  gate(req: Request): void {
    const client = clientOf(req);
    if (this.perClient.peek(client) >= this.options.perClient) throw rateLimited(this.perClient.retryAfter(client));
    if (this.overall.peek('all') >= this.options.overall) throw rateLimited(this.overall.retryAfter('all'));
  }

  recordFailure(req: Request): void {
    this.perClient.hit(clientOf(req));
    this.overall.hit('all');
  }
}
