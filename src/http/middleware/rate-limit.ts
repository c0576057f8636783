/**
 * Request limits shared by every API replica: counts live in Redis (rate-limiter-flexible's atomic
 * fixed windows) under QUEUE_PREFIX, so N replicas allow what one does, not N times as much. When Redis
 * cannot answer (down, or slower than SHARED_STATE_TIMEOUT_MS), each process counts in its own memory:
 * the limit still holds per process, and AppDirect is never locked out because Redis is away (an attacker
 * cannot take Redis down, an outage must not stop notifications that the inbox can take without Redis).
 */
import type { NextFunction, Request, Response } from 'express';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../errors/app-error';
import { SharedOrLocal, sharedKey, type SharedState } from '../../queue/shared-state';
import type { AppDeps } from '../deps';

/** Clients tracked at once; beyond it new clients share one bucket, so address spraying cannot reset anyone. */
const MAX_TRACKED_CLIENTS = 10_000;
const OVERFLOW_KEY = '\u0000overflow';

/**
 * Fixed windows per key, kept in this process's memory (the fallback while Redis is away). When the table
 * is full, expired windows are dropped; if it is still full, new keys count in one shared overflow window
 * (never a reset of all).
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

/** Hits in a key's window and the seconds until that window ends. */
export interface WindowCount {
  readonly count: number;
  readonly retryAfter: number;
}

/**
 * Named fixed windows counted in Redis for every process of the deployment (`{prefix}:limit:<name>:<key>`),
 * in this process's memory while Redis cannot answer.
 */
export class SharedWindows {
  private readonly shared: RateLimiterRedis;
  private readonly local: WindowCounter;
  private readonly store: SharedOrLocal;

  constructor(state: SharedState, name: string, windowMs: number) {
    this.shared = new RateLimiterRedis({
      storeClient: state.redis,
      keyPrefix: sharedKey(state, 'limit', name),
      points: Number.MAX_SAFE_INTEGER, // only counted here; the callers compare with their own limits
      duration: Math.max(1, Math.round(windowMs / 1000)),
      rejectIfRedisNotReady: true,
    });
    this.local = new WindowCounter(windowMs);
    this.store = new SharedOrLocal(state, `${name} limit`);
  }

  private localCount(key: string, count: number): WindowCount {
    return { count, retryAfter: this.local.retryAfter(key) };
  }

  /** Counts one hit for `key`. */
  hit(key: string): Promise<WindowCount> {
    return this.store.run(
      async () => countOf(await this.shared.penalty(key, 1)),
      () => this.localCount(key, this.local.hit(key)),
    );
  }

  /** Hits in the current window of `key`, without counting one. */
  peek(key: string): Promise<WindowCount> {
    return this.store.run(
      async () => {
        const res = await this.shared.get(key);
        return res ? countOf(res) : { count: 0, retryAfter: 1 };
      },
      () => this.localCount(key, this.local.peek(key)),
    );
  }
}

const countOf = (res: RateLimiterRes): WindowCount => ({
  count: res.consumedPoints,
  retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
});

/** What the limits take from the application: its producer-profile Redis, the queue prefix, the logger. */
export type LimitDeps = Pick<AppDeps, 'redis' | 'config' | 'logger'>;

const sharedStateOf = (deps: LimitDeps): SharedState => ({
  redis: deps.redis,
  prefix: deps.config.queuePrefix,
  logger: deps.logger,
});

export interface RateLimitOptions {
  /** Names the counter in Redis; limits of different purposes need different names. */
  readonly name: string;
  /** Requests allowed per client within `windowMs`, over all API processes together. */
  readonly limit: number;
  readonly windowMs: number;
}

const clientOf = (req: Request) => req.ip ?? 'unknown';

const rateLimited = (retryAfter: number) =>
  new AppError('RATE_LIMITED', { retryAfter }, { headers: { 'Retry-After': String(retryAfter) } });

/**
 * A fixed-window limit per client (the remote address; see TRUST_PROXY) over all API processes: 429 with
 * Retry-After beyond it.
 */
export function rateLimit(deps: LimitDeps, options: RateLimitOptions) {
  const windows = new SharedWindows(sharedStateOf(deps), options.name, options.windowMs);
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const { count, retryAfter } = await windows.hit(clientOf(req));
    if (count > options.limit) throw rateLimited(retryAfter);
    next();
  };
}

const EVERYONE = 'all';

/**
 * Limits failed credential attempts over all API processes: per client, and over all clients together, so
 * spreading guesses over many addresses (or replicas) does not buy more guesses.
 *
 * `settle` runs once the credentials are checked (a cheap, constant-time comparison). A failure is counted
 * by an atomic increment whose result decides between 401 and 429, so at most `perClient` failures of a
 * client get an answer about their guess however many arrive at once, on however many replicas. Right
 * credentials are compared with the failures counted so far and never counted themselves, so AppDirect may
 * send any number of notifications at once. Over budget, right and wrong credentials alike get 429: a
 * client over the limit learns nothing about its guess.
 */
export class CredentialGuessLimiter {
  private readonly perClient: SharedWindows;
  private readonly overall: SharedWindows;

  constructor(
    deps: LimitDeps,
    private readonly options: { name: string; perClient: number; overall: number; windowMs: number },
  ) {
    const state = sharedStateOf(deps);
    this.perClient = new SharedWindows(state, `${options.name}:client`, options.windowMs);
    this.overall = new SharedWindows(state, `${options.name}:overall`, options.windowMs);
  }

  /** Throws 429 when this client, or everyone together, has no guesses left; counts the attempt if it failed. */
  async settle(req: Request, credentialsRight: boolean): Promise<void> {
    const client = clientOf(req);
    if (credentialsRight) {
      const [own, everyone] = await Promise.all([this.perClient.peek(client), this.overall.peek(EVERYONE)]);
      if (own.count >= this.options.perClient) throw rateLimited(own.retryAfter);
      if (everyone.count >= this.options.overall) throw rateLimited(everyone.retryAfter);
      return;
    }
    // Everyone's budget first, without counting: once it is spent, no key is made for a new address.
    const everyone = await this.overall.peek(EVERYONE);
    if (everyone.count >= this.options.overall) throw rateLimited(everyone.retryAfter);
    const own = await this.perClient.hit(client);
    // A client over its own budget is refused without touching everyone's, so one client cannot spend it.
    if (own.count > this.options.perClient) throw rateLimited(own.retryAfter);
    const all = await this.overall.hit(EVERYONE);
    if (all.count > this.options.overall) throw rateLimited(all.retryAfter);
  }
}
