/**
 * The HTTP transport: one signed POST per call to the product's URL, following the Standard Webhooks
 * specification (https://www.standardwebhooks.com): `webhook-id` (the call's idempotency key, the same on
 * every retry), `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
 * `id.timestamp.body`, one per active secret, so a secret can be rotated with two active at once).
 *
 * A 2xx is taken; its body is the answer (JSON; required for a `decide` call, ignored by a `notify` call when
 * it is not JSON). Anything else — no answer in time, a non-2xx status, a decide answer that is not JSON — is
 * a ProductCallFailure with the reason kept. A circuit
 * breaker per endpoint (./circuit-breaker.ts, shared by every process through Redis) fails calls at once
 * while the product is down, so waiting on a dead endpoint does not hold the workers' slots.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { SharedState } from '../queue/shared-state';
import { circuitBreaker, type BreakerSettings } from './circuit-breaker';
import type { ProductCall } from './contract';
import type { ProductQuestion } from './questions';
import { ProductCallFailure } from './failure';
import type { ProductTransport, SendOptions } from './transport';

/** Largest answer body read from the product. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookSettings {
  readonly url: string;
  /** `whsec_<base64>` secrets; every one signs each call (the first is the newest). */
  readonly secrets: readonly string[];
  /** Loopback and private addresses are refused unless allowed (a product on the same host or network). */
  readonly allowPrivateTargets: boolean;
  readonly breaker?: BreakerSettings;
  /** Where the circuit breaker's state is shared with the other processes; without it, this process's own. */
  readonly shared?: SharedState;
}

const DEFAULT_BREAKER: BreakerSettings = { failures: 5, openMs: 15_000 };

export function webhookTransport(settings: WebhookSettings, now: () => number = Date.now): ProductTransport {
  const signers = settings.secrets.map((secret) => new Webhook(secret));
  const breaker = circuitBreaker(settings.url, settings.breaker ?? DEFAULT_BREAKER, settings.shared, now);
  return {
    name: `webhook ${settings.url}`,
    async send(call: ProductCall | ProductQuestion, options: SendOptions): Promise<unknown> {
      await breaker.check();
      try {
        if (!settings.allowPrivateTargets) await assertPublicTarget(settings.url);
        const answer = await post(settings.url, signers, call, options);
        await breaker.succeeded();
        return answer;
      } catch (error) {
        await breaker.failed();
        if (error instanceof ProductCallFailure) throw error;
        throw new ProductCallFailure(`the product could not be reached: ${describe(error)}`, null, { cause: error });
      }
    },
  };
}

/** The Standard Webhooks headers of one call (exported for tests and the example product). */
export function signedHeaders(signers: readonly Webhook[], id: string, body: string, at: Date): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signers.map((signer) => signer.sign(id, at, body)).join(' '),
  };
}

async function post(
  url: string,
  signers: readonly Webhook[],
  call: ProductCall | ProductQuestion,
  options: SendOptions,
): Promise<unknown> {
  const body = JSON.stringify(call);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...signedHeaders(signers, options.idempotencyKey, body, new Date()),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs),
  }).catch((error: unknown) => {
    const timedOut = (error as Error)?.name === 'TimeoutError';
    throw new ProductCallFailure(
      timedOut ? `no answer within ${options.timeoutMs} ms` : `the product could not be reached: ${describe(error)}`,
      null,
      { cause: error },
    );
  });
  const text = await readLimited(response, MAX_ANSWER_BYTES);
  if (response.status < 200 || response.status > 299) {
    throw new ProductCallFailure(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`, response.status);
  }
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A notify call is taken on any 2xx: its body is not read (a framework's HTML or text page is common).
    if (call.mode === 'notify') return undefined;
    throw new ProductCallFailure(
      `HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      response.status,
    );
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const buffer = Buffer.from(await response.arrayBuffer());
  if (buffer.length > limit) throw new ProductCallFailure(`the answer is larger than ${limit} bytes`, response.status);
  return buffer.toString('utf8');
}

const describe = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
};

/** Refuses loopback, private, link-local and unspecified addresses (the target and what its name resolves to). */
export async function assertPublicTarget(url: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  const privateOne = addresses.find(isPrivateAddress);
  if (privateOne) {
    throw new ProductCallFailure(
      `${host} resolves to ${privateOne}, a private address (set PRODUCT_WEBHOOK_ALLOW_PRIVATE=true to allow it)`,
    );
  }
}

export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}
