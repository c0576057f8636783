/**
 * The OAuth 1.0a HMAC-SHA1 signature (RFC 5849 §3.4), for verifying AppDirect's notifications and signing
 * this service's calls to the marketplace. Written here rather than through the `oauth-1.0a` library on the
 * callback's hot path: the library builds a signer object, merges, copies and sorts objects and encodes
 * with five regular expressions per value, about 25 µs a signature against 4 µs for the HMAC itself
 * (docs/benchmarks.md, "Ingest"). test/unit/oauth1-signature.test.ts checks it against two independent
 * implementations on random requests.
 */
import { createHmac } from 'node:crypto';

/** A name and value as sent (decoded); a name may repeat. */
export type Parameter = readonly [name: string, value: string];

const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;
const RESERVED_BY_RFC3986 = /[!'()*]/g;
const escapeReserved = (char: string): string => `%${char.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * RFC 5849 §3.6 percent-encoding: everything but the unreserved characters, as UTF-8 octets, upper-case
 * hex. Throws URIError on a lone surrogate (no UTF-8 for it), as encodeURIComponent does.
 */
export function percentEncode(text: string): string {
  if (UNRESERVED_ONLY.test(text)) return text;
  return encodeURIComponent(text).replace(RESERVED_BY_RFC3986, escapeReserved);
}

/**
 * The signature base string (§3.4.1): method, base URL (scheme://host[:port]/path, no query) and the
 * normalized parameters — every parameter but oauth_signature, encoded, sorted by name then value.
 */
export function signatureBaseString(method: string, baseUrl: string, parameters: Iterable<Parameter>): string {
  const encoded: Array<[string, string]> = [];
  for (const [name, value] of parameters) encoded.push([percentEncode(name), percentEncode(value)]);
  encoded.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  let normalized = '';
  for (const [name, value] of encoded) normalized += `${normalized === '' ? '' : '&'}${name}=${value}`;
  return `${method.toUpperCase()}&${percentEncode(baseUrl)}&${percentEncode(normalized)}`;
}

/** HMAC-SHA1 of the base string with the consumer secret (two-legged: no token secret), base64. */
export function hmacSha1Signature(baseString: string, consumerSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&`)
    .update(baseString)
    .digest('base64');
}
