/**
 * Talking to AppDirect: fetch an event, post a result, post a report (usage, user sync). Shared by the
 * callback (inline fetch with a short deadline) and the workers.
 */
import { MarketplaceTokenCache, oauth1Header, type OutboundCredentials } from './credentials';
import { isOk, send, type OutboundResponse } from './http';
import { MarketplaceError } from '../errors/internal';

export const MAX_EVENT_BYTES = 1024 * 1024;
/** What is read of a result POST's answer (only its status matters). */
const MAX_RESULT_ANSWER_BYTES = 64 * 1024;

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
    const text = await response.text(this.options.maxResponseBytes ?? MAX_EVENT_BYTES);
    if (!isOk(response.status))
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
    await response.text(MAX_RESULT_ANSWER_BYTES).catch(() => '');
    if (!isOk(response.status))
      throw new MarketplaceError('http', `POST ${resultUrl} answered ${response.status}`, response.status);
    return response.status;
  }

  /**
   * POST a JSON text (a billing or sync call) to `url`, signed like a result POST. Resolves to the status and
   * (up to 64 KiB of) the answer whatever the status: the caller reads a refusal (a metered-usage API's
   * "already exists" is a success). Network failures and timeouts are MarketplaceErrors.
   */
  async postJson(
    url: string,
    json: string,
    options: { consumer?: { key: string; secret: string } } = {},
  ): Promise<{ status: number; answer: string }> {
    const response = await this.send('POST', url, json, options);
    const answer = await response.text(MAX_RESULT_ANSWER_BYTES).catch(() => '');
    return { status: response.status, answer };
  }

  /** How long a call may take at most (its token request included). */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  private async send(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    /** timeoutMs: a shorter deadline than the client's own (the callback's inline fetch); it covers the token request too. */
    options: { timeoutMs?: number; consumer?: { key: string; secret: string } },
  ): Promise<OutboundResponse> {
    const deadline = Date.now() + Math.min(options.timeoutMs ?? Number.POSITIVE_INFINITY, this.timeoutMs);
    const origin = new URL(url).origin;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const consumer = options.consumer ?? this.options.credentials.consumer;
    if (consumer) headers.authorization = oauth1Header(consumer, method, url);
    else if (this.tokens)
      headers.authorization = `Bearer ${await withDeadline(this.tokens.token(origin), deadline, `token request to ${origin}`)}`;
    // One timeout signal per request, covering the body too (combining signals with AbortSignal.any costs
    // measurably per request).
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    const response = await send(url, { method, headers, body, signal, what: `${method} ${url}` });
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
