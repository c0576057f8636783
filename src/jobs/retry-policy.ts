/**
 * How each kind of job is retried: how many attempts, how long between them, and which failures are
 * worth another attempt. The producer (attempts, backoff name) and the worker loop (backoff, transient
 * or not) are both given `retryPolicies(config)`, so this file is the one place to change a policy.
 */
import { RETRY_DEFAULTS } from '../config/retry-defaults';
import { isDatabaseUnavailable, isTransientDatabaseError } from '../db/failures';
import { DeliveryRetryError, TransientEventError } from '../errors/internal';
import { QUEUES } from '../queue/names';
import type { RetryPolicies, RetryPolicy } from '../queue/policy';

export { RETRY_DEFAULTS };

const CAP_MS = { event: 10 * 60_000, result: 15 * 60_000, hook: 5 * 60_000 } as const;
/** Defaults of PRODUCT_NOTIFY_MAX_ATTEMPTS / PRODUCT_NOTIFY_BACKOFF_MS. */
export const HOOK = { attempts: 20, baseMs: 1_000 } as const;

/** Exponential backoff with ±25 % jitter, capped: attempt n waits base·2^(n-1). */
export function backoffDelay(attemptsMade: number, baseMs: number, capMs: number, random = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(attemptsMade - 1, 0), capMs);
  return Math.round(exponential * (0.75 + random() * 0.5));
}

/** The settings a deployment may override (a subset of the Config). */
export interface RetrySettings {
  readonly eventMaxAttempts: number;
  readonly eventBackoffMs: number;
  readonly resultMaxAttempts: number;
  readonly resultBackoffMs: number;
  /** Notify calls to the vendor's product (PRODUCT_NOTIFY_MAX_ATTEMPTS, PRODUCT_NOTIFY_BACKOFF_MS). */
  readonly product?: { readonly notifyMaxAttempts: number; readonly notifyBackoffMs: number };
}

/**
 * Every kind: PostgreSQL away (unreachable, restarting, its connections dropped) is an outage, not the job's
 * failure: the job waits for it without spending an attempt (src/queue/worker-loop.ts), so no event is ever
 * reported failed because the database was away when its attempts ran out. A deadlock, a serialization
 * failure or a lock or pool timeout is transient: retried with the kind's backoff, spending an attempt.
 */
const policy = (
  attempts: number,
  baseMs: number,
  capMs: number,
  isTransient: (error: unknown) => boolean,
): RetryPolicy => ({
  attempts,
  delayMs: (attemptsMade) => backoffDelay(attemptsMade, baseMs, capMs),
  isTransient: (error) => isTransient(error) || isTransientDatabaseError(error),
  isOutage: isDatabaseUnavailable,
});

export function retryPolicies(settings: RetrySettings): RetryPolicies {
  return {
    // Events: a business outcome is a result, not an error. Faults a later attempt may get past (the
    // marketplace away or answering 5xx, a deadlock, a lost connection) are TransientEventErrors, retried
    // until the last attempt reports TRANSPORT_ERROR or UNKNOWN_ERROR; anything else (a defect, an error no
    // retry can fix) is UNKNOWN_ERROR at once (src/jobs/event.ts).
    [QUEUES.events]: policy(
      settings.eventMaxAttempts,
      settings.eventBackoffMs,
      CAP_MS.event,
      (error) => error instanceof TransientEventError,
    ),
    // Results: network errors, 5xx and 429 are retried (for more than 24 h by default); a 4xx is final.
    [QUEUES.results]: policy(
      settings.resultMaxAttempts,
      settings.resultBackoffMs,
      CAP_MS.result,
      (error) => error instanceof DeliveryRetryError,
    ),
    // Reports of the product (usage, user sync): as results, since they go to the same marketplace the same way.
    [QUEUES.reports]: policy(
      settings.resultMaxAttempts,
      settings.resultBackoffMs,
      CAP_MS.result,
      (error) => error instanceof DeliveryRetryError,
    ),
    // Hooks: the vendor's code failing is retried until it succeeds or attempts run out.
    [QUEUES.hooks]: policy(
      settings.product?.notifyMaxAttempts ?? HOOK.attempts,
      settings.product?.notifyBackoffMs ?? HOOK.baseMs,
      CAP_MS.hook,
      () => true,
    ),
  };
}
