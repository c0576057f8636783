/**
 * How this service authenticates to a marketplace (event fetch, result POST):
 * OAuth 1.0a signing with the product's consumer key when one is configured
 * (legacy shared credentials), else an OAuth 2.0 client-credentials token from
 * `<marketplace>/oauth2/token`, cached per marketplace until shortly before expiry.
 */
import { randomUUID } from 'node:crypto';
import { hmacSha1Signature, percentEncode, signatureBaseString, type Parameter } from '../auth/oauth1-signature';
import { MarketplaceError } from '../errors/internal';
import { isOk, send } from './http';

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;
export interface OutboundCredentials {
  /** Consumer key/secret to sign with, when the product uses shared credentials. */
  readonly consumer?: { readonly key: string; readonly secret: string };
  /** AppDirect-issued OAuth 2.0 client for separate credentials. */
  readonly client?: { readonly id: string; readonly secret: string };
}

/** The Authorization header value for an OAuth 1.0a-signed request (query parameters included in the signature). */
export function oauth1Header(consumer: { key: string; secret: string }, method: string, url: string): string {
  const parsed = new URL(url);
  const protocol: Parameter[] = [
    ['oauth_consumer_key', consumer.key],
    // 122 random bits in 32 hex characters (randomUUID draws from a cached pool of secure random bytes).
    ['oauth_nonce', randomUUID().replaceAll('-', '')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['oauth_version', '1.0'],
  ];
  const baseString = signatureBaseString(method, `${parsed.origin}${parsed.pathname}`, [
    ...protocol,
    ...parsed.searchParams,
  ]);
  protocol.push(['oauth_signature', hmacSha1Signature(baseString, consumer.secret)]);
  protocol.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `OAuth ${protocol.map(([name, value]) => `${name}="${percentEncode(value)}"`).join(', ')}`;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/** Client-credentials tokens per marketplace origin. */
export class MarketplaceTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly client: { readonly id: string; readonly secret: string },
    private readonly timeoutMs = 5000,
  ) {}

  async token(origin: string): Promise<string> {
    const cached = this.tokens.get(origin);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    // One request per marketplace at a time; concurrent callers share it.
    let inFlight = this.pending.get(origin);
    if (!inFlight) {
      inFlight = this.request(origin).finally(() => this.pending.delete(origin));
      this.pending.set(origin, inFlight);
    }
    return inFlight;
  }

  /** Drops a token the marketplace refused (401), so the next call gets a new one. */
  invalidate(origin: string): void {
    this.tokens.delete(origin);
  }

  private async request(origin: string): Promise<string> {
    const basic = Buffer.from(
      `${encodeURIComponent(this.client.id)}:${encodeURIComponent(this.client.secret)}`,
    ).toString('base64');
    const response = await send(`${origin}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials&scope=ROLE_APPLICATION',
      signal: AbortSignal.timeout(this.timeoutMs),
      what: `token request to ${origin}`,
    });
    if (!isOk(response.status)) {
      await response.discard();
      throw new MarketplaceError('http', `token request to ${origin} answered ${response.status}`, response.status);
    }
    // A body that cannot be read or parsed, or is larger than any token answer, has no token either.
    const body = (await response
      .text(MAX_TOKEN_ANSWER_BYTES)
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (!body || typeof body.access_token !== 'string')
      throw new MarketplaceError('not_json', `token response from ${origin} has no access_token`);
    const lifetimeSeconds = typeof body.expires_in === 'number' ? body.expires_in : 300;
    // Renew a little early so a token never expires in flight.
    this.tokens.set(origin, {
      value: body.access_token,
      expiresAt: Date.now() + Math.max(lifetimeSeconds - 30, 1) * 1000,
    });
    return body.access_token;
  }
}
