/**
 * OAuth 1.0a signatures cross-checked against an independent implementation:
 * the `oauth` package (used by passport-oauth1) signs, the service verifies;
 * the service signs, `oauth` recomputes the signature.
 */
import { OAuth as IndependentOAuth } from 'oauth';
import { parseOAuthHeader, verifyOAuth1, type SignedRequest } from '../../src/auth/oauth1';
import { oauth1Header } from '../../src/marketplace/credentials';

const KEY = 'product-key';
const SECRET = 'sëcret&with=odd chars';
const URLS = [
  'http://127.0.0.1:3000/appdirect/events?eventUrl=https%3A%2F%2Fmarketplace.example%2Fapi%2Fintegration%2Fv1%2Fevents%2Fabc-123',
  'https://vendor.example/appdirect/events?eventUrl=https%3A%2F%2Fm.example%2Fapi%2Fintegration%2Fv1%2Fevents%2Fx&note=%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%26%20spaces&eventType=create',
  'https://vendor.example:8443/appdirect/events?eventUrl=https%3A%2F%2Fm.example%2Fapi%2Fintegration%2Fv1%2Fevents%2Fy&star=%2A&tilde=~&plus=a%2Bb',
];

const independent = () => new IndependentOAuth('', '', KEY, SECRET, '1.0', null, 'HMAC-SHA1');

/** The `oauth` package's internals are the independent signer (its public API only signs while sending). */
interface OAuthInternals {
  _prepareParameters(token: string | null, tokenSecret: string, method: string, url: string): Array<[string, string]>;
  _buildAuthorizationHeaders(params: Array<[string, string]>): string;
  _getSignature(method: string, url: string, normalisedParams: string, tokenSecret: string): string;
  _normaliseRequestParams(params: Record<string, string>): string;
}

function requestFor(url: string, authorization: string): SignedRequest {
  const parsed = new URL(url);
  return {
    method: 'GET',
    baseUrl: `${parsed.origin}${parsed.pathname}`,
    query: [...parsed.searchParams],
    authorization,
  };
}

describe('OAuth 1.0a signatures', () => {
  it.each(URLS)('verifies what the independent `oauth` package signed: %s', (url) => {
    const signer = independent() as unknown as OAuthInternals;
    const header = signer._buildAuthorizationHeaders(signer._prepareParameters(null, '', 'GET', url));
    const outcome = verifyOAuth1(requestFor(url, header), (key) => (key === KEY ? [SECRET] : []));
    expect(outcome).toMatchObject({ consumerKey: KEY });
  });

  it.each(URLS)('signs the way the independent `oauth` package computes: %s', (url) => {
    const header = oauth1Header({ key: KEY, secret: SECRET }, 'GET', url);
    const params = parseOAuthHeader(header);
    if (typeof params === 'string') throw new Error(params);
    const signature = params.get('oauth_signature');
    params.delete('oauth_signature');
    const parsed = new URL(url);
    const all: Record<string, string> = Object.fromEntries(params);
    for (const [name, value] of parsed.searchParams) all[name] = value;
    const signer = independent() as unknown as OAuthInternals;
    expect(
      signer._getSignature('GET', `${parsed.origin}${parsed.pathname}`, signer._normaliseRequestParams(all), ''),
    ).toBe(signature);
  });

  it('rejects a signature made over another URL', () => {
    const signer = independent() as unknown as OAuthInternals;
    const header = signer._buildAuthorizationHeaders(signer._prepareParameters(null, '', 'GET', URLS[0]!));
    expect(verifyOAuth1(requestFor(URLS[1]!, header), () => [SECRET])).toEqual({ reason: 'bad_signature' });
  });

  it('rejects a timestamp more than 300 s away', () => {
    const signer = independent() as unknown as OAuthInternals;
    const header = signer._buildAuthorizationHeaders(signer._prepareParameters(null, '', 'GET', URLS[0]!));
    const later = Math.floor(Date.now() / 1000) + 301;
    expect(verifyOAuth1(requestFor(URLS[0]!, header), () => [SECRET], later)).toMatchObject({
      reason: 'expired_timestamp',
    });
  });

  it('refuses a nonce with control characters as malformed (PostgreSQL could not store it)', () => {
    const header = `OAuth oauth_consumer_key="${KEY}", oauth_nonce="bad%00nonce", oauth_signature="x", oauth_signature_method="HMAC-SHA1", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_version="1.0"`;
    expect(verifyOAuth1(requestFor(URLS[0]!, header), () => [SECRET])).toEqual({
      reason: 'malformed',
      detail: 'oauth_nonce contains control characters',
    });
  });

  it('parses quoted, percent-encoded header parameters and refuses garbage', () => {
    expect(parseOAuthHeader('OAuth realm="", oauth_nonce="a%20b", oauth_consumer_key="k"')).toEqual(
      new Map([
        ['realm', ''],
        ['oauth_nonce', 'a b'],
        ['oauth_consumer_key', 'k'],
      ]),
    );
    expect(parseOAuthHeader('OAuth oauth_nonce=unquoted')).toBe('unexpected characters in the OAuth header');
  });
});

describe('OAuth 1.0a protocol parameters (RFC 5849 §3.5)', () => {
  const signedHeader = () => {
    const signer = independent() as unknown as OAuthInternals;
    return signer._buildAuthorizationHeaders(signer._prepareParameters(null, '', 'GET', URLS[0]!));
  };

  it('refuses parameters sent both in the Authorization header and in the query, before any signature work', () => {
    const url = `${URLS[0]!}&oauth_timestamp=1`;
    let secretsAsked = 0;
    const outcome = verifyOAuth1(requestFor(url, signedHeader()), () => {
      secretsAsked += 1;
      return [SECRET];
    });
    expect(outcome).toEqual({ reason: 'malformed', detail: expect.stringContaining('more than one') });
    expect(secretsAsked).toBe(0);
  });

  it('refuses a protocol parameter repeated in the header', () => {
    expect(verifyOAuth1(requestFor(URLS[0]!, `${signedHeader()}, oauth_nonce="x"`), () => [SECRET])).toEqual({
      reason: 'malformed',
      detail: 'oauth_nonce is given more than once',
    });
  });

  it('refuses a protocol parameter repeated in the query', () => {
    const parsed = parseOAuthHeader(signedHeader());
    if (typeof parsed === 'string') throw new Error(parsed);
    const url = new URL(URLS[0]!);
    for (const [name, value] of parsed) url.searchParams.append(name, value);
    url.searchParams.append('oauth_timestamp', '1');
    expect(verifyOAuth1(requestFor(url.toString(), undefined as unknown as string), () => [SECRET])).toEqual({
      reason: 'malformed',
      detail: 'oauth_timestamp is given more than once',
    });
  });

  it('treats query names such as toString, constructor or __proto__ as plain data: each is signed', () => {
    const url = `${URLS[0]!}&toString=a&__proto__=b&constructor=c`;
    // The `oauth` package drops `__proto__` when it gathers parameters into an object, so its encoding,
    // sort and HMAC are applied here to every parameter, as RFC 5849 §3.4.1.3 (and a Java signer) does.
    const signer = independent() as unknown as OAuthInternals & {
      _encodeData(text: string): string;
      _sortRequestParams(pairs: Array<[string, string]>): Array<[string, string]>;
    };
    const parsed = new URL(url);
    const protocol: Array<[string, string]> = [
      ['oauth_consumer_key', KEY],
      ['oauth_nonce', 'n-proto'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
      ['oauth_version', '1.0'],
    ];
    const pairs = [...protocol, ...parsed.searchParams].map(([n, v]): [string, string] => [
      signer._encodeData(n),
      signer._encodeData(v),
    ]);
    expect(pairs.some(([n]) => n === '__proto__')).toBe(true);
    const normalised = signer
      ._sortRequestParams(pairs)
      .map(([n, v]) => `${n}=${v}`)
      .join('&');
    const signature = signer._getSignature('GET', `${parsed.origin}${parsed.pathname}`, normalised, '');
    const header = signer._buildAuthorizationHeaders([...protocol, ['oauth_signature', signature]]);
    expect(verifyOAuth1(requestFor(url, header), () => [SECRET])).toMatchObject({ consumerKey: KEY });
    // Signed without it, as the JavaScript libraries would: refused.
    const dropped = new URL(url);
    dropped.searchParams.delete('__proto__');
    const withoutProto = signer._buildAuthorizationHeaders(signer._prepareParameters(null, '', 'GET', dropped.href));
    expect(verifyOAuth1(requestFor(url, withoutProto), () => [SECRET])).toEqual({ reason: 'bad_signature' });
  });
});
