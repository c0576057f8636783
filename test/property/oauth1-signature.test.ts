/**
 * The service's own OAuth 1.0a signature (src/auth/oauth1-signature.ts) against two independent
 * implementations on random requests: the `oauth` package (passport-oauth1's signer) and `oauth-1.0a`
 * (which the service used before). Names, values and secrets are any text, repeated names included;
 * `__proto__` is left out of the names only because both libraries keep parameters in plain objects
 * and silently drop it (RFC 5849 signs it like any other name; test/unit/oauth1.test.ts checks that case).
 *
 * Runs with a fixed seed in `npm test`; `npm run test:explore` runs it with random seeds (./exploration.ts).
 */
import fc from 'fast-check';
import { OAuth as IndependentOAuth } from 'oauth';
import OAuth10a from 'oauth-1.0a';
import { createHmac } from 'node:crypto';
import { hmacSha1Signature, signatureBaseString, type Parameter } from '../../src/auth/oauth1-signature';
import { verifyOAuth1 } from '../../src/auth/oauth1';
import { oauth1Header } from '../../src/marketplace/credentials';
import { runSettings, seedsToRun, timeoutFor } from './exploration';

const FIXED_SEED = 2_402_400;

/** The `oauth` package's internals: its encoding, its sort and its HMAC (the public API only signs while sending). */
interface OAuthInternals {
  _encodeData(text: string): string;
  _sortRequestParams(pairs: Array<[string, string]>): Array<[string, string]>;
  _getSignature(method: string, url: string, normalisedParams: string, tokenSecret: string): string;
}

/** The signature as the `oauth` package computes it over these parameters. */
function oauthPackageSignature(secret: string, method: string, baseUrl: string, parameters: Parameter[]): string {
  const signer = new IndependentOAuth('', '', 'key', secret, '1.0', null, 'HMAC-SHA1') as unknown as OAuthInternals;
  const encoded = parameters.map(([name, value]): [string, string] => [
    signer._encodeData(name),
    signer._encodeData(value),
  ]);
  const normalised = signer
    ._sortRequestParams(encoded)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return signer._getSignature(method, baseUrl, normalised, '');
}

/** The signature as `oauth-1.0a` computes it (repeated names as arrays, as it takes them). */
function oauth10aSignature(secret: string, method: string, baseUrl: string, parameters: Parameter[]): string {
  const signer = new OAuth10a({
    consumer: { key: 'key', secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const data = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of parameters) {
    const existing = Object.hasOwn(data, name) ? data[name] : undefined;
    data[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return signer.getSignature({ url: baseUrl, method, data }, '', {} as OAuth10a.Data);
}

/** Text without lone surrogates (no UTF-8 for them: no signer can encode them). */
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const name = text.filter((n) => n !== '__proto__' && n.length > 0);
const parameters = fc.array(fc.tuple(name, text), { maxLength: 8 });
/** A query name starting with oauth_ would be a protocol parameter sent by two methods (refused). */
const queryParameters = fc.array(
  fc.tuple(
    name.filter((n) => !n.startsWith('oauth_')),
    text,
  ),
  { maxLength: 8 },
);
const baseUrl = fc.constantFrom(
  'https://vendor.example/appdirect/events',
  'http://127.0.0.1:3000/appdirect/events',
  'https://m.example:8443/api/integration/v1/events/a~b_c.d-e',
);

describe('OAuth 1.0a signature (RFC 5849 §3.4)', () => {
  it.each(seedsToRun(FIXED_SEED, 'OAuth 1.0a signature'))(
    'equals the `oauth` and `oauth-1.0a` packages on random parameters and secrets (%s seed %d)',
    (_label, seed) => {
      fc.assert(
        fc.property(fc.constantFrom('GET', 'POST', 'get'), baseUrl, parameters, text, (method, url, params, secret) => {
          const ours = hmacSha1Signature(signatureBaseString(method, url, params), secret);
          expect(ours).toBe(oauthPackageSignature(secret, method.toUpperCase(), url, params));
          expect(ours).toBe(oauth10aSignature(secret, method, url, params));
        }),
        runSettings(seed, 500),
      );
    },
    timeoutFor(30_000),
  );

  it.each(seedsToRun(FIXED_SEED + 1, 'OAuth 1.0a outbound header'))(
    'signs outbound calls so that the verifier accepts them, query parameters included (%s seed %d)',
    (_label, seed) => {
      fc.assert(
        fc.property(baseUrl, queryParameters, text, (url, params, secret) => {
          const target = new URL(url);
          for (const [n, v] of params) target.searchParams.append(n, v);
          const header = oauth1Header({ key: 'product-key', secret }, 'GET', target.toString());
          const outcome = verifyOAuth1(
            { method: 'GET', baseUrl: url, query: [...target.searchParams], authorization: header },
            (key) => (key === 'product-key' ? [secret] : []),
          );
          expect(outcome).toMatchObject({ consumerKey: 'product-key' });
        }),
        runSettings(seed, 300),
      );
    },
    timeoutFor(30_000),
  );
});
