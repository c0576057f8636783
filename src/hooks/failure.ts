/**
 * A call the product did not answer usably: unreachable, too slow, a non-2xx status, an answer that is not
 * a decision, or its in-process handler threw. Always transient: the call is made again with backoff (a
 * `decide` call until its deadline). `reason` is kept for operators.
 */
export class ProductCallFailure extends Error {
  /** The attempt as the product connection measured it (set when a call was attempted). */
  record?: {
    readonly outcome: 'failed';
    readonly durationMs: number;
    readonly answer?: unknown;
    readonly error: string;
    readonly httpStatus: number | null;
  };

  constructor(
    readonly reason: string,
    readonly httpStatus: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'ProductCallFailure';
  }
}
