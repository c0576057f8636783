/**
 * HTTP to the marketplaces (event fetches, result POSTs, OAuth 2.0 tokens) on undici's `request` over one
 * keep-alive connection pool per process. The global `fetch` this replaces cost about 3× the CPU per call
 * (WHATWG Request/Response objects, web streams, resource timing: docs/benchmarks.md, "Ingest"), and the
 * callback fetches every event inline.
 *
 * What each call keeps from before: its own deadline (an AbortSignal, covering the body too), a body
 * limit, no redirects followed (a 3xx is answered as it is), TLS certificates verified (undici's default,
 * NODE_EXTRA_CA_CERTS honoured), and HTTPS_PROXY / HTTP_PROXY / NO_PROXY (./proxy.ts switches the pool).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { MarketplaceError } from '../errors/internal';

/**
 * Idle connections are kept 4 s (less than the 5 s Node's and most servers' own keep-alive timeouts, so
 * the server never closes one as a request is sent on it); a server's `Keep-Alive: timeout=` is honoured.
 */
const POOL_OPTIONS = { keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 } as const;

/** Sent on every call: some gateways refuse requests without one (fetch sent `node`). */
const USER_AGENT = 'appdirect-provisioner';

let direct: Agent | undefined;
let proxied: EnvHttpProxyAgent | undefined;

/** The pool calls go through now: through the proxy while one is in use, else direct. */
function dispatcher(): Dispatcher {
  if (proxied) return proxied;
  direct ??= new Agent(POOL_OPTIONS);
  return direct;
}

/**
 * Sends later calls through these proxies (hosts in `noProxy` directly), on a pool of their own;
 * returns the function that goes back to direct connections. Unset values mean no proxy for that
 * scheme, whatever the environment says (the configuration was read from it already).
 */
export function routeThroughProxy(proxy: { httpsProxy?: string; httpProxy?: string; noProxy?: string }): () => void {
  const previous = proxied;
  proxied = new EnvHttpProxyAgent({
    ...POOL_OPTIONS,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? '',
    noProxy: proxy.noProxy ?? '',
  });
  const mine = proxied;
  void previous?.close();
  return () => {
    if (proxied !== mine) return;
    proxied = undefined;
    void mine.close();
  };
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Ends the call wherever it is (connecting, waiting, reading the body): one per call. */
  readonly signal: AbortSignal;
  /** Names the call in error messages, e.g. `GET <url>`. */
  readonly what: string;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as UTF-8 text; MarketplaceError `too_large` beyond `maxBytes` (declared or read). */
  text(maxBytes: number): Promise<string>;
  /** Drops the body unread (a small one is drained so the connection can serve the next call). */
  discard(): Promise<void>;
}

/** A 2xx status (what fetch called `ok`). */
export const isOk = (status: number): boolean => status >= 200 && status <= 299;

/** The error a failed call is reported as: a timeout or a network failure, both worth trying again. */
function callFailed(what: string, error: unknown): MarketplaceError {
  const { name, code } = error as { name?: string; code?: string };
  const timedOut =
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT';
  return new MarketplaceError(
    timedOut ? 'timeout' : 'network',
    `${what} failed: ${(error as Error).message}`,
    undefined,
    {
      cause: error,
    },
  );
}

/** One call. Resolves once the status and headers are in; the body is read (or dropped) by the caller. */
export async function send(url: string, call: OutboundRequest): Promise<OutboundResponse> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher: dispatcher(),
      method: call.method,
      headers: { 'user-agent': USER_AGENT, ...call.headers },
      body: call.body,
      signal: call.signal,
    });
  } catch (error) {
    throw callFailed(call.what, error);
  }
  const { body } = response;
  return {
    status: response.statusCode,
    headers: response.headers,
    text: async (maxBytes) => {
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > maxBytes) {
        body.destroy();
        throw new MarketplaceError('too_large', `response of ${declared} bytes exceeds ${maxBytes}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            body.destroy();
            throw new MarketplaceError('too_large', `response exceeds ${maxBytes} bytes`);
          }
          chunks.push(chunk);
        }
      } catch (error) {
        if (error instanceof MarketplaceError) throw error;
        throw callFailed(call.what, error);
      }
      return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    },
    discard: () => body.dump({ limit: 64 * 1024 }).catch(() => undefined),
  };
}
