/**
 * Defaults of the retry settings operators can change (EVENT_MAX_ATTEMPTS, EVENT_BACKOFF_MS,
 * RESULT_MAX_ATTEMPTS, RESULT_BACKOFF_MS): the config schema defaults to them, and src/jobs/retry-policy.ts
 * builds each job kind's policy from the settings.
 */
export const RETRY_DEFAULTS = {
  event: { attempts: 8, baseMs: 2_000 },
  /**
   * 140 attempts of the result backoff (5 s doubling, capped at 15 min, ±25 % jitter) span at least
   * 24 h even when every delay draws the shortest jitter (about 33 h on average): a marketplace outage
   * of a day loses no result.
   */
  result: { attempts: 140, baseMs: 5_000 },
} as const;
