/**
 * State every process of one deployment shares through Redis: the credential-guessing limits of the API
 * replicas and the product's circuit breaker of the API and the workers. Keys live under QUEUE_PREFIX, so on
 * a Redis Cluster they hash to the queues' slot and an ACL user confined to the prefix may use them.
 *
 * Redis helps here; it is not required. When the connection is not ready, a command fails, or Redis does
 * not answer within `SHARED_STATE_TIMEOUT_MS`, the caller uses its own state in this process's memory (one
 * warning, then throttled) and goes back to the shared state as soon as Redis answers again.
 */
import type { Logger } from '../logging/logger';
import { ThrottledLog } from '../logging/throttle';
import type { RedisConnection } from './connection';

/** Where shared state lives: a producer-profile connection (fails fast), the queue prefix, a logger. */
export interface SharedState {
  readonly redis: RedisConnection;
  /** QUEUE_PREFIX: a Redis Cluster hash tag such as `{appdirect}`. */
  readonly prefix: string;
  readonly logger: Logger;
}

/** How long a shared-state command may take before this process decides on its own (a stalled Redis). */
export const SHARED_STATE_TIMEOUT_MS = 500;

/** After a command timed out, how long this process decides on its own before it asks Redis again. */
export const STALLED_RETRY_MS = 5_000;

/**
 * Connections whose command timed out recently, until when: while Redis is stalled, every request would
 * otherwise wait out the timeout, once per command.
 */
const stalledUntil = new WeakMap<RedisConnection, number>();

/** A key under the prefix: `sharedKey(state, 'limit', 'callback')` -> `{appdirect}:limit:callback`. */
export function sharedKey(state: Pick<SharedState, 'prefix'>, ...parts: string[]): string {
  return [state.prefix, ...parts].join(':');
}

/** Runs commands on the shared state, or the local fallback when Redis cannot answer in time. */
export class SharedOrLocal {
  private readonly warnings: ThrottledLog;

  /** `what` names the state in the warning ("credential-guessing limit"). */
  constructor(
    private readonly state: SharedState,
    private readonly what: string,
    private readonly timeoutMs = SHARED_STATE_TIMEOUT_MS,
  ) {
    this.warnings = new ThrottledLog(state.logger);
  }

  /** The shared answer, or the local one when Redis is not ready, fails or is slower than the timeout. */
  async run<T>(shared: () => Promise<T>, local: () => T): Promise<T> {
    const { redis } = this.state;
    if (redis.status !== 'ready') return this.fallBack(`Redis connection is ${redis.status}`, local);
    if ((stalledUntil.get(redis) ?? 0) > Date.now()) return this.fallBack('Redis did not answer in time', local);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stalledUntil.set(redis, Date.now() + STALLED_RETRY_MS);
        reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([shared(), timeout]);
    } catch (error) {
      return this.fallBack((error as Error).message, local);
    } finally {
      clearTimeout(timer);
    }
  }

  private fallBack<T>(reason: string, local: () => T): T {
    this.warnings.warn(
      this.what,
      { reason },
      `the shared ${this.what} is not available in Redis; this process counts on its own until Redis answers`,
    );
    return local();
  }
}
