/**
 * What the queue needs to know about retrying a kind of job. The policies themselves are defined in
 * src/jobs/retry-policy.ts; the producer (attempts, backoff) and the worker loop (backoff, which failures
 * are worth retrying) are both given the same objects.
 */
import type { QueueName } from './names';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  readonly attempts: number;
  /** The delay before the next attempt, after `attemptsMade` failed ones. */
  delayMs(attemptsMade: number): number;
  /** Whether a later attempt may succeed; anything else fails the job at once. */
  isTransient(error: unknown): boolean;
  /**
   * Whether the failure says nothing about the job itself: something every job needs is away (PostgreSQL
   * unreachable, restarting, refusing connections). Such a job runs again once it may be back, without
   * spending an attempt, however long the outage lasts.
   */
  isOutage(error: unknown): boolean;
}

export type RetryPolicies = Readonly<Record<QueueName, RetryPolicy>>;
