import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdForToken, QUEUES } from './names';

/** What every job carries: a key into PostgreSQL, never the event itself. */
export interface TokenJob {
  readonly token: string;
}
export interface HookJob {
  readonly hookCallId: string;
}

/**
 * Completed jobs are trimmed: deduplication lives in PostgreSQL (unique token,
 * apply + result in one transaction), not in job retention. Failed jobs stay a
 * week for inspection (bull-board).
 */
const RETENTION: JobsOptions = { removeOnComplete: { age: 600, count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } };

/** Custom backoff names, implemented by the workers (exponential with jitter). */
export const BACKOFF = { event: 'event-backoff', delivery: 'delivery-backoff', hook: 'hook-backoff' } as const;

export interface QueueSettings {
  readonly prefix: string;
  readonly eventMaxAttempts: number;
  /** Attempts for a result POST; with the delivery backoff this spans more than 24 h. */
  readonly deliveryMaxAttempts?: number;
}

export const DEFAULT_DELIVERY_ATTEMPTS = 120;

/** The producer side of the three queues, on a fail-fast connection. */
export class Producer {
  readonly events: Queue<TokenJob>;
  readonly results: Queue<TokenJob>;
  readonly hooks: Queue<HookJob>;

  constructor(
    connection: Redis,
    private readonly settings: QueueSettings,
  ) {
    this.events = new Queue<TokenJob>(QUEUES.events, { connection, prefix: settings.prefix });
    this.results = new Queue<TokenJob>(QUEUES.results, { connection, prefix: settings.prefix });
    this.hooks = new Queue<HookJob>(QUEUES.hooks, { connection, prefix: settings.prefix });
    for (const queue of [this.events, this.results, this.hooks]) queue.on('error', () => undefined); // surfaced by callers
  }

  /** Adds the event's job; a job with the same id already waiting makes this a no-op. */
  async enqueueEvent(token: string, options: { delayMs?: number } = {}): Promise<void> {
    await this.events.add('event', { token }, {
      ...RETENTION,
      jobId: jobIdForToken(token),
      attempts: this.settings.eventMaxAttempts,
      backoff: { type: BACKOFF.event },
      delay: options.delayMs,
    });
  }

  async enqueueResult(token: string): Promise<void> {
    await this.results.add('result', { token }, {
      ...RETENTION,
      jobId: jobIdForToken(token),
      attempts: this.settings.deliveryMaxAttempts ?? DEFAULT_DELIVERY_ATTEMPTS,
      backoff: { type: BACKOFF.delivery },
    });
  }

  async enqueueHook(hookCallId: bigint): Promise<void> {
    await this.hooks.add('hook', { hookCallId: hookCallId.toString() }, {
      ...RETENTION,
      jobId: `hook-${hookCallId}`,
      attempts: 20,
      backoff: { type: BACKOFF.hook },
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.results.close(), this.hooks.close()]);
  }
}
