/**
 * Verification of two-legged OAuth 1.0a (HMAC-SHA1) requests, as AppDirect signs
 * notifications under "shared credentials". The base string and signature come
 * from ./oauth1-signature.ts; this module gathers the inputs, checks the
 * timestamp and compares in constant time. The nonce is checked by the caller,
 * in the same database statement that records the event.
 */
import { timingSafeEqual } from 'node:crypto';
import { hmacSha1Signature, signatureBaseString, type Parameter } from './oauth1-signature';

export const TIMESTAMP_WINDOW_SECONDS = 300;

export type OAuth1Failure =
  | { reason: 'missing' }
  | { reason: 'malformed'; detail: string }
  | { reason: 'unknown_key'; key: string }
  | { reason: 'expired_timestamp'; skew: number }
  | { reason: 'bad_signature' };

export interface OAuth1Success {
  readonly consumerKey: string;
  readonly nonce: string;
  readonly timestamp: number;
}

export interface SignedRequest {
  readonly method: string;
  /** scheme://host[:port]/path as the caller addressed it, without the query. */
  readonly baseUrl: string;
  /** Query parameters, decoded, in order (repeated names allowed). */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly authorization: string | undefined;
}

/**
 * Parses `OAuth realm="x", oauth_consumer_key="…", …` into decoded parameters. A parameter given twice
 * is refused: which of the two was signed would be the attacker's choice.
 */
export function parseOAuthHeader(header: string): Map<string, string> | string {
  const match = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!match) return 'not an OAuth header';
  const params = new Map<string, string>();
  const pattern = /\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*(?:,|$)/y;
  const body = match[1] ?? '';
  let consumed = 0;
  while (consumed < body.length) {
    pattern.lastIndex = consumed;
    const part = pattern.exec(body);
    if (!part) return 'unexpected characters in the OAuth header';
    let name: string;
    try {
      name = decodeURIComponent(part[1]!);
      if (params.has(name)) return `${name} is given more than once`;
      params.set(name, decodeURIComponent(part[2]!));
    } catch {
      return 'bad percent-encoding in the OAuth header';
    }
    consumed = pattern.lastIndex;
  }
  return params;
}

/** True when the request carries OAuth 1.0a parameters (header or query). */
export function hasOAuth1(request: Pick<SignedRequest, 'authorization' | 'query'>): boolean {
  return /^OAuth\s/i.test(request.authorization ?? '') || request.query.some(([name]) => name === 'oauth_signature');
}

/**
 * Verifies the signature of `request` against the secrets configured for its
 * consumer key (several secrets per key are tried, for rotation).
 */
export function verifyOAuth1(
  request: SignedRequest,
  secretsFor: (consumerKey: string) => readonly string[],
  nowSeconds = Math.floor(Date.now() / 1000),
): OAuth1Success | OAuth1Failure {
  // RFC 5849 §3.5: the protocol parameters come by one method only. Were they accepted from the header
  // and the query at once, the query's values would enter the base string while the timestamp and
  // nonce checks read the header's: a captured request of any age could be replayed with fresh header
  // values. So this is refused before any signature work, as is a parameter given twice.
  const inHeader = /^OAuth\s/i.test(request.authorization ?? '');
  const queryProtocol = request.query.filter(([name]) => name.startsWith('oauth_'));
  if (inHeader && queryProtocol.length > 0) {
    return {
      reason: 'malformed',
      detail: 'OAuth protocol parameters are sent by more than one method (header and query)',
    };
  }
  let oauthParams: Map<string, string>;
  let otherParams: Array<readonly [string, string]>;
  if (inHeader) {
    const parsed = parseOAuthHeader(request.authorization!);
    if (typeof parsed === 'string') return { reason: 'malformed', detail: parsed };
    parsed.delete('realm'); // not part of the base string (RFC 5849 §3.4.1.3.1)
    oauthParams = parsed;
    otherParams = [...request.query];
  } else if (queryProtocol.some(([name]) => name === 'oauth_signature')) {
    oauthParams = new Map();
    for (const [name, value] of queryProtocol) {
      if (oauthParams.has(name)) return { reason: 'malformed', detail: `${name} is given more than once` };
      oauthParams.set(name, value);
    }
    otherParams = request.query.filter(([name]) => !name.startsWith('oauth_'));
  } else {
    return { reason: 'missing' };
  }

  const consumerKey = oauthParams.get('oauth_consumer_key');
  const signature = oauthParams.get('oauth_signature');
  const method = oauthParams.get('oauth_signature_method');
  const timestampText = oauthParams.get('oauth_timestamp');
  const nonce = oauthParams.get('oauth_nonce');
  const version = oauthParams.get('oauth_version');
  if (!consumerKey || !signature || !timestampText || !nonce) {
    return {
      reason: 'malformed',
      detail: 'oauth_consumer_key, oauth_signature, oauth_timestamp and oauth_nonce are required',
    };
  }
  if (method !== 'HMAC-SHA1')
    return { reason: 'malformed', detail: `signature method ${method ?? '(none)'} is not HMAC-SHA1` };
  if (version !== undefined && version !== '1.0')
    return { reason: 'malformed', detail: `oauth_version ${version} is not 1.0` };
  if (!/^\d{1,12}$/.test(timestampText))
    return { reason: 'malformed', detail: 'oauth_timestamp is not a number of seconds' };
  if (nonce.length > 255) return { reason: 'malformed', detail: 'oauth_nonce is longer than 255 characters' };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(nonce))
    return { reason: 'malformed', detail: 'oauth_nonce contains control characters' };

  const secrets = secretsFor(consumerKey);
  if (secrets.length === 0) return { reason: 'unknown_key', key: consumerKey };

  const timestamp = Number(timestampText);
  const skew = Math.abs(nowSeconds - timestamp);
  if (skew > TIMESTAMP_WINDOW_SECONDS) return { reason: 'expired_timestamp', skew };

  // Everything but the signature itself enters the base string (query names such as `__proto__` are data).
  const parameters: Parameter[] = [...otherParams];
  for (const [name, value] of oauthParams) if (name !== 'oauth_signature') parameters.push([name, value]);
  const baseString = signatureBaseString(request.method, request.baseUrl, parameters);
  let matched = false;
  for (const secret of secrets) {
    // Evaluate every secret, so timing does not tell which one matched.
    matched = signaturesEqual(hmacSha1Signature(baseString, secret), signature) || matched;
  }
  return matched ? { consumerKey, nonce, timestamp } : { reason: 'bad_signature' };
}

/**
 * Constant-time comparison of the expected signature with the one received. Only a length that differs
 * from the expected one (28 base64 characters, public) returns early.
 */
function signaturesEqual(expected: string, received: string): boolean {
  const left = Buffer.from(expected, 'utf8');
  const right = Buffer.from(received, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** scheme://host[:port]/path with the scheme and host lower-cased and the default port dropped. */
export function normalizeBaseUrl(protocol: string, host: string, path: string): string {
  const url = new URL(`${protocol}://${host}`);
  return `${url.protocol}//${url.host}${path}`;
}
