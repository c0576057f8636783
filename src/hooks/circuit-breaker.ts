/**
 * The product webhook's circuit breaker: closed -> open after `failures` calls in a row failed -> one
 * trial call after `openMs` (half-open) -> closed on its success, open again on its failure.
 *
 * Shared by every process (the API's decide calls and every worker) through Redis, keyed by the webhook
 * URL under QUEUE_PREFIX: an outage of the product is learned once, not once per process, and only one
 * trial goes out per open period whichever process makes it. While Redis cannot answer, each process
 * keeps its own breaker in memory (it is fed every outcome, so it knows this process's recent history):
 * product calls are never refused because Redis is away.
 */
import { createHash } from 'node:crypto';
import { SharedOrLocal, sharedKey, type SharedState } from '../queue/shared-state';
import { ProductCallFailure } from './failure';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** How long it stays open before one trial call is let through. */
  readonly openMs: number;
}

/** What the transport asks of a breaker around each call. */
export interface Breaker {
  /** Throws ProductCallFailure while the circuit is open; lets one trial through once the open period is over. */
  check(): Promise<void>;
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

const openFailure = (failures: number, leftMs: number) =>
  new ProductCallFailure(`circuit open after ${failures} failures in a row; next trial in ${leftMs} ms`);

/** One process's breaker, in memory: the fallback of the shared one, and the whole breaker without Redis. */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number,
  ) {}

  /** Throws while the circuit is open; lets one trial call through once the open period is over. */
  check(): void {
    if (this.consecutiveFailures < this.settings.failures) return;
    const now = this.now();
    if (now < this.openUntil) throw openFailure(this.consecutiveFailures, this.openUntil - now);
    // Half-open: this call is the trial; the others wait for its outcome's next open period.
    this.openUntil = now + this.settings.openMs;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
  }

  failed(): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures === this.settings.failures) this.openUntil = this.now() + this.settings.openMs;
  }
}

/**
 * KEYS: failures in a row, the open marker (expires when the open period ends). ARGV: failures that open,
 * open period in ms. Answers {0} closed, {1, failures, ms left} open, {2} this caller is the trial (the
 * marker is set again, so every other caller sees the circuit open until the trial's outcome).
 */
const CHECK = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return {0} end
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return {1, failures, left} end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return {2}`;

/** KEYS as CHECK. ARGV: failures that open, open period in ms, how long a count of failures is kept. */
const FAILED = `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if failures == tonumber(ARGV[1]) then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return failures`;

/** A count of failures with no call since is forgotten after this long (an endpoint no longer called). */
const FAILURES_KEPT_MS = 24 * 3600_000;

/**
 * The Redis keys of an endpoint's breaker: failures in a row, and the open marker. The URL may hold a token
 * in its query, so they name a digest of it.
 */
export function circuitKeys(state: Pick<SharedState, 'prefix'>, url: string): [string, string] {
  const id = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return [sharedKey(state, 'circuit', id, 'failures'), sharedKey(state, 'circuit', id, 'open')];
}

/** The breaker every process shares for one endpoint, in Redis, with this process's breaker as fallback. */
export class SharedCircuitBreaker implements Breaker {
  private readonly local: CircuitBreaker;
  private readonly store: SharedOrLocal;
  private readonly keys: [string, string];

  constructor(
    private readonly state: SharedState,
    url: string,
    private readonly settings: BreakerSettings,
    now: () => number = Date.now,
  ) {
    this.local = new CircuitBreaker(settings, now);
    this.store = new SharedOrLocal(state, 'product circuit breaker');
    this.keys = circuitKeys(state, url);
  }

  async check(): Promise<void> {
    const open = await this.store.run(
      async () => {
        const [verdict, failures, leftMs] = (await this.state.redis.eval(
          CHECK,
          2,
          ...this.keys,
          this.settings.failures,
          this.settings.openMs,
        )) as [number, number?, number?];
        return verdict === 1 ? { failures: failures ?? 0, leftMs: leftMs ?? 0 } : null;
      },
      () => {
        this.local.check();
        return null;
      },
    );
    if (open) throw openFailure(open.failures, open.leftMs);
  }

  async succeeded(): Promise<void> {
    this.local.succeeded();
    await this.store.run(
      async () => void (await this.state.redis.del(...this.keys)),
      () => undefined,
    );
  }

  async failed(): Promise<void> {
    this.local.failed();
    await this.store.run(
      async () =>
        void (await this.state.redis.eval(
          FAILED,
          2,
          ...this.keys,
          this.settings.failures,
          this.settings.openMs,
          FAILURES_KEPT_MS,
        )),
      () => undefined,
    );
  }
}

/** The breaker of one endpoint: shared through `shared` when given, else this process's alone. */
export function circuitBreaker(
  url: string,
  settings: BreakerSettings,
  shared: SharedState | undefined,
  now: () => number = Date.now,
): Breaker {
  if (shared) return new SharedCircuitBreaker(shared, url, settings, now);
  const local = new CircuitBreaker(settings, now);
  return {
    check: async () => local.check(),
    succeeded: async () => local.succeeded(),
    failed: async () => local.failed(),
  };
}
