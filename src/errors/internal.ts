/**
 * Failures the event path raises internally. None of them reaches an HTTP caller as it is: the
 * callback maps a replayed nonce to 401, the job runner maps the others to retries or to an
 * AppDirect code (see src/jobs/retry-policy.ts), and operators see their messages in the timeline.
 */

/** A call to the marketplace failed; `transient` says whether trying again may help. */
export class MarketplaceError extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'http' | 'too_large' | 'not_json',
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MarketplaceError';
  }

  /** Network errors, timeouts, 5xx and 429 may pass; other 4xx and bad bodies will not. */
  get transient(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind === 'http') return this.httpStatus === 429 || (this.httpStatus ?? 0) >= 500;
    return false;
  }
}

/** The OAuth 1.0a nonce of a notification was seen before: a replay (the callback answers 401). */
export class NonceReplayedError extends Error {
  constructor() {
    super('OAuth nonce already used');
    this.name = 'NonceReplayedError';
  }
}

/** A fault of an event run worth retrying; `stage` picks the final code once attempts run out. */
export class TransientEventError extends Error {
  constructor(
    readonly stage: 'fetch' | 'apply',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientEventError';
  }
}

/** A job names an event token with no inbox row (nothing to retry). */
export class EventNotFoundError extends Error {
  constructor(token: string) {
    super(`no inbox row for event ${token}`);
    this.name = 'EventNotFoundError';
  }
}

/** A result POST failed in a way worth retrying (network, 5xx, 429). */
export class DeliveryRetryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryRetryError';
  }
}

/**
 * A synchronous run (SUBSCRIPTION_NOTICE answered in the HTTP response) could not finish within the
 * answer's time budget: waiting for the account, its provisioning, or the database took too long.
 */
export class DeadlineExceededError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * What operators are shown of an unexpected error (an event's lastError, its timeline): its name and
 * message, without the code frames and absolute source paths some errors (Prisma's) carry. The stack goes
 * to the log, not to the views.
 */
export function describeFailure(error: unknown): string {
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== '' &&
        !/^(→\s*)?\d+\s/.test(line) &&
        !/(^|\s)(\/|[A-Za-z]:\\)[^\s]*:\d+(:\d+)?/.test(line) &&
        !/^Invalid `.*` invocation/.test(line),
    );
  return `${name}${lines.join(' ') || 'unknown error'}`.slice(0, 2000);
}
