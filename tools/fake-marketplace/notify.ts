/**
 * Sends a notification as AppDirect does: GET <service>/appdirect/events?eventUrl=…,
 * authenticated with one of the three credential models.
 */
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';

export type NotifyAuth =
  | { type: 'oauth1'; key: string; secret: string; inQuery?: boolean; timestamp?: number; nonce?: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'none' };

const hmacSha1 = (base: string, key: string) => createHmac('sha1', key).update(base).digest('base64');

/** The signed URL and headers of a notification (exposed for tests that tamper with them). */
export function notificationRequest(
  serviceUrl: string,
  eventUrl: string,
  auth: NotifyAuth,
  extraQuery: Record<string, string> = {},
) {
  return signedRequest('GET', new URL('/appdirect/events', serviceUrl), { eventUrl, ...extraQuery }, auth);
}

/**
 * A request to the connector signed as AppDirect signs it: OAuth 1.0a two-legged (HMAC-SHA1 over the method,
 * the URL and its query, never a JSON body), HTTP Basic or a Bearer token. Signed by the `oauth-1.0a` package,
 * independently of the service's own signature code.
 */
export function signedRequest(method: 'GET' | 'POST', target: URL, query: Record<string, string>, auth: NotifyAuth) {
  const url = new URL(target);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (auth.type === 'basic')
    headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  if (auth.type === 'bearer') headers.Authorization = `Bearer ${auth.token}`;
  if (auth.type === 'oauth1') {
    const signer = new OAuth({
      consumer: { key: auth.key, secret: auth.secret },
      signature_method: 'HMAC-SHA1',
      hash_function: hmacSha1,
    });
    const oauthData = signer.authorize({
      url: `${url.origin}${url.pathname}`,
      method,
      data: Object.fromEntries(url.searchParams),
    });
    if (auth.timestamp !== undefined || auth.nonce !== undefined) {
      // Re-sign with the chosen timestamp/nonce (stale-timestamp and replay tests).
      const fixed = {
        ...oauthData,
        oauth_timestamp: auth.timestamp ?? oauthData.oauth_timestamp,
        oauth_nonce: auth.nonce ?? oauthData.oauth_nonce,
      };
      const { oauth_signature: _ignored, ...unsigned } = fixed;
      fixed.oauth_signature = signer.getSignature(
        { url: `${url.origin}${url.pathname}`, method, data: Object.fromEntries(url.searchParams) },
        '',
        unsigned as OAuth.Data,
      );
      Object.assign(oauthData, fixed);
    }
    if (auth.inQuery) {
      for (const [name, value] of Object.entries(oauthData)) url.searchParams.set(name, String(value));
    } else {
      headers.Authorization = signer.toHeader(oauthData).Authorization;
    }
  }
  return { url: url.toString(), headers };
}

export async function notify(
  serviceUrl: string,
  eventUrl: string,
  auth: NotifyAuth,
  extraQuery: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = notificationRequest(serviceUrl, eventUrl, auth, extraQuery);
  const response = await fetch(request.url, { headers: request.headers });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: response.status, body: { raw: text } };
  }
}
