import http from 'node:http';
import { routeThroughProxy } from './http';

export interface OutboundProxy {
  readonly httpsProxy: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: string | undefined;
}

/**
 * Sends this process's outbound HTTP calls through HTTPS_PROXY / HTTP_PROXY, except to hosts in NO_PROXY:
 * the marketplace calls (fetching events, posting results, marketplace tokens: ./http.ts's pool) and, through
 * Node's built-in proxy support, every other `fetch` and `http.request` of the process. PostgreSQL and Redis
 * connections are not HTTP and never go through it. Returns whether a proxy is in use and a function that
 * switches it off again.
 */
export function useOutboundProxy(proxy: OutboundProxy): { enabled: boolean; restore(): void } {
  if (!proxy.httpsProxy && !proxy.httpProxy) return { enabled: false, restore: () => undefined };
  const setGlobalProxyFromEnv = (http as Partial<typeof http>).setGlobalProxyFromEnv;
  if (!setGlobalProxyFromEnv) {
    throw new Error(
      `HTTPS_PROXY/HTTP_PROXY need Node.js 24.14 or later (this is ${process.version}); ` +
        'on Node 22.21+ set NODE_USE_ENV_PROXY=1 instead.',
    );
  }
  const restoreGlobal = setGlobalProxyFromEnv({
    HTTPS_PROXY: proxy.httpsProxy,
    HTTP_PROXY: proxy.httpProxy,
    NO_PROXY: proxy.noProxy,
  });
  const restoreMarketplace = routeThroughProxy(proxy);
  return {
    enabled: true,
    restore: () => {
      restoreMarketplace();
      restoreGlobal();
    },
  };
}
