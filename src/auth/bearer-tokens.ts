/**
 * Short-lived access tokens this service issues at POST /oauth2/token for
 * AppDirect to send as `Authorization: Bearer …` on notifications. They are
 * self-contained (HMAC-SHA256 over the claims, keyed from the OAuth 2.0 client
 * secret), so every API process accepts the tokens any of them issued, and
 * rotating the client secret revokes them all.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { safeEqual } from './constant-time';

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

interface Claims {
  sub: string;
  exp: number;
  jti: string;
}

function signingKey(clientSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, 'appdirect-provisioner', 'bearer-token-v1', 32));
}

export function issueBearerToken(
  clientId: string,
  clientSecret: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): IssuedToken {
  const claims: Claims = {
    sub: clientId,
    exp: Math.floor(nowMs / 1000) + ttlSeconds,
    jti: randomBytes(9).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const mac = createHmac('sha256', signingKey(clientSecret)).update(payload).digest('base64url');
  return { accessToken: `${payload}.${mac}`, expiresIn: ttlSeconds };
}

/** The client id the token was issued to, or null when it is forged, garbled or expired. */
export function verifyBearerToken(token: string, clientSecret: string, nowMs = Date.now()): string | null {
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined) return null;
  const expected = createHmac('sha256', signingKey(clientSecret)).update(payload).digest('base64url');
  if (!safeEqual(expected, mac)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Claims>;
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return null;
    return claims.exp * 1000 > nowMs ? claims.sub : null;
  } catch {
    return null;
  }
}
