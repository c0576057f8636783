/**
 * Talking to AppDirect: fetch an event, post a result. Shared by the callback
 * (inline fetch with a short deadline) and the workers.
 */
import { MarketplaceTokenCache, oauth1Header, type OutboundCredentials } from './credentials';
import { MarketplaceError } from '../errors/internal';

export const MAX_EVENT_BYTES = 1024 * 1024;

export interface MarketplaceClientOptions {
  readonly credentials: OutboundCredentials;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

export interface ResultBody {
  readonly success: boolean;
  readonly accountIdentifier?: string;
  readonly userIdentifier?: string;
  readonly errorCode?: string;
  readonly message?: string;
}

/** Reads at most `limit` bytes of a response body, or fails. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) throw new MarketplaceError('too_large', `response of ${declared} bytes exceeds ${limit}`);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new MarketplaceError('too_large', `response exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class MarketplaceClient {
  private readonly tokens: MarketplaceTokenCache | null;

  constructor(private readonly options: MarketplaceClientOptions) {
    this.tokens = options.credentials.client ? new MarketplaceTokenCache(options.credentials.client) : null;
  }

  /**
   * GET the event document as JSON. `consumerKey` picks the OAuth 1.0a secret
   * when several products are configured. Resolves to the parsed JSON (not yet validated).
   */
  async fetchEvent(
    eventUrl: string,
    options: { timeoutMs?: number; consumer?: { key: string; secret: string } } = {},
  ): Promise<unknown> {
    const response = await this.send('GET', eventUrl, undefined, options);
    const text = await readLimited(response, this.options.maxResponseBytes ?? MAX_EVENT_BYTES);
    if (!response.ok)
      throw new MarketplaceError('http', `GET ${eventUrl} answered ${response.status}`, response.status);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new MarketplaceError('not_json', `GET ${eventUrl} did not return JSON`, response.status, { cause: error });
    }
  }

  /** POST the result of an asynchronous event to `<baseUrl>/api/integration/v1/events/<token>/result`. Resolves to the HTTP status. */
  async postResult(
    resultUrl: string,
    body: ResultBody,
    options: { consumer?: { key: string; secret: string } } = {},
  ): Promise<number> {
    const response = await this.send('POST', resultUrl, JSON.stringify(body), options);
    await readLimited(response, 64 * 1024).catch(() => '');
    if (!response.ok)
      throw new MarketplaceError('http', `POST ${resultUrl} answered ${response.status}`, response.status);
    return response.status;
  }

  private async send(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    /** timeoutMs: a shorter deadline than the client's own (the callback's inline fetch); it covers the token request too. */
    options: { timeoutMs?: number; consumer?: { key: string; secret: string } },
  ): Promise<Response> {
    const deadline =
      Date.now() + Math.min(options.timeoutMs ?? Number.POSITIVE_INFINITY, this.options.timeoutMs ?? 10_000);
    const origin = new URL(url).origin;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const consumer = options.consumer ?? this.options.credentials.consumer;
    if (consumer) headers.Authorization = oauth1Header(consumer, method, url);
    else if (this.tokens)
      headers.Authorization = `Bearer ${await withDeadline(this.tokens.token(origin), deadline, `token request to ${origin}`)}`;
    // One timeout signal per request (combining signals with AbortSignal.any costs measurably per request).
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
    } catch (error) {
      const name = (error as { name?: string }).name;
      const kind = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
      throw new MarketplaceError(kind, `${method} ${url} failed: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    if (response.status === 401 && this.tokens && !consumer) this.tokens.invalidate(origin);
    return response;
  }
}

/** `promise`, or a timeout MarketplaceError at `deadline` (the promise itself goes on: a token request is shared). */
async function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MarketplaceError('timeout', `${what} did not finish in time`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Outbound credentials from configuration. */
export function outboundCredentials(config: {
  appdirect: { consumerKey?: string; consumerSecret?: string; clientId?: string; clientSecret?: string };
}): OutboundCredentials {
  const { consumerKey, consumerSecret, clientId, clientSecret } = config.appdirect;
  return {
    consumer: consumerKey && consumerSecret ? { key: consumerKey, secret: consumerSecret } : undefined,
    client: clientId && clientSecret ? { id: clientId, secret: clientSecret } : undefined,
  };
}
