/** How a call reaches the product: the in-process module or a signed webhook (one semantics for both). */
import type { ProductCall } from './contract';
import type { ProductQuestion } from './questions';

export interface SendOptions {
  /** Stable across retries of the same call (the webhook-id): the product de-duplicates on it. */
  readonly idempotencyKey: string;
  readonly timeoutMs: number;
}

export interface ProductTransport {
  /** Named in logs and attempt records, e.g. `module` or `webhook https://product.example/appdirect`. */
  readonly name: string;
  /**
   * Delivers the call; resolves with the product's answer (its JSON body, or what its handler returned).
   * Throws ProductCallFailure when the product did not take the call.
   */
  send(call: ProductCall | ProductQuestion, options: SendOptions): Promise<unknown>;
}
