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
