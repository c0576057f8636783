/**
 * The SSRF guard: an eventUrl is only followed when it points at a configured
 * marketplace and has the shape of an AppDirect event URL.
 */
export interface EventLocation {
  readonly eventUrl: string;
  readonly token: string;
  /** scheme://host[:port] of the marketplace, also the base of the result URL. */
  readonly marketplaceOrigin: string;
  /** AppDirect's periodic liveness probes (dummyOrder, dummyAssign, …): answer success, do nothing. */
  readonly isProbe: boolean;
}

const EVENT_PATH = /^\/api\/integration\/v1\/events\/([A-Za-z0-9._~-]{1,200})$/;

/** The location, or the reason the URL is refused (for a 400 naming `eventUrl`). */
export function parseEventUrl(raw: string, allowedOrigins: readonly string[]): EventLocation | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'not an absolute URL' };
  }
  if (url.username || url.password) return { problem: 'credentials in the URL are not allowed' };
  if (!allowedOrigins.includes(url.origin)) {
    return { problem: `${url.origin} is not one of the marketplaces in APPDIRECT_MARKETPLACE_URLS` };
  }
  const match = EVENT_PATH.exec(url.pathname);
  if (!match || url.search || url.hash) return { problem: 'the path is not /api/integration/v1/events/<token>' };
  const token = match[1]!;
  return {
    eventUrl: `${url.origin}${url.pathname}`,
    token,
    marketplaceOrigin: url.origin,
    isProbe: /^dummy/i.test(token),
  };
}

/** Where the result of an asynchronous event is posted. */
export function resultUrlFor(marketplaceBaseUrl: string, token: string): string {
  return `${marketplaceBaseUrl.replace(/\/+$/, '')}/api/integration/v1/events/${encodeURIComponent(token)}/result`;
}
