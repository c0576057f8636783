/**
 * Passport strategies, one per AppDirect credential model. Each fails with an
 * `AuthFailure` saying why, so the callback can answer the right catalogue error.
 * None of them touches the database: the OAuth nonce is recorded with the event.
 */
import type { Request } from 'express';
import type passport from 'passport';
import { Strategy } from 'passport-strategy';
import { verifyBearerToken } from '../../auth/bearer-tokens';
import { safeEqual } from '../../auth/constant-time';
import { hasOAuth1, type OAuth1Failure, type SignedRequest, verifyOAuth1 } from '../../auth/oauth1';
import type { Config } from '../../config';

/** Who sent a notification, and for OAuth 1.0a the nonce still to be recorded. */
export interface CallerIdentity {
  readonly scheme: 'oauth1' | 'basic' | 'bearer';
  readonly principal: string;
  readonly nonce?: { consumerKey: string; nonce: string; timestamp: number };
}

export type AuthFailure = OAuth1Failure | { reason: 'bad_credentials'; scheme: 'Basic' } | { reason: 'bad_token' };

/** What the OAuth 1.0a strategy needs from a request (the public URL depends on TRUST_PROXY). */
export type SignedRequestOf = (req: Request) => SignedRequest;

/**
 * Two-legged OAuth 1.0a, signature in the Authorization header or the query.
 *
 * Deliberately our own strategy over our own signature (src/auth/oauth1-signature.ts), not
 * `passport-oauth1`: passport-oauth1 implements the *three-legged client* flow (this service logging a user in at a provider: request
 * token, authorize, access token), not the *verification* of a request a consumer signed with its key and
 * secret, which is what AppDirect sends ("signed fetch", no token). Replacing this with passport-oauth1
 * would not verify notifications at all. The checks themselves live in src/auth/oauth1.ts.
 */
export class OAuth1Strategy extends Strategy {
  name = 'appdirect-oauth1';

  constructor(
    private readonly secretsFor: (key: string) => readonly string[],
    private readonly signedRequestOf: SignedRequestOf,
  ) {
    super();
  }

  override authenticate(req: Request): void {
    const signed = this.signedRequestOf(req);
    if (!hasOAuth1(signed)) return this.fail({ reason: 'missing' } satisfies AuthFailure, 401);
    const outcome = verifyOAuth1(signed, this.secretsFor);
    if ('reason' in outcome) return this.fail(outcome satisfies AuthFailure, 401);
    const identity: CallerIdentity = { scheme: 'oauth1', principal: outcome.consumerKey, nonce: outcome };
    this.success(identity);
  }
}

/**
 * HTTP Basic. Not passport-http's BasicStrategy: it splits on every ':' and so
 * rejects passwords containing one, which RFC 7617 allows.
 */
export class BasicCredentialsStrategy extends Strategy {
  name = 'appdirect-basic';

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {
    super();
  }

  override authenticate(req: Request): void {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) return this.fail({ reason: 'missing' } satisfies AuthFailure, 401);
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const pass = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both comparisons always run, so timing does not reveal which one failed.
    const ok = [safeEqual(user, this.username), safeEqual(pass, this.password)].every(Boolean);
    if (!ok) return this.fail({ reason: 'bad_credentials', scheme: 'Basic' } satisfies AuthFailure, 401);
    const identity: CallerIdentity = { scheme: 'basic', principal: user };
    this.success(identity);
  }
}

/**
 * OAuth 2.0 bearer tokens (RFC 6750 §2.1), from the Authorization header only. Not passport-http-bearer:
 * it also takes `access_token` from the query string (where proxies and access logs keep it) and the body.
 */
export class BearerTokenStrategy extends Strategy {
  name = 'appdirect-bearer';

  constructor(private readonly clientIdOf: (token: string) => string | null) {
    super();
  }

  override authenticate(req: Request): void {
    const match = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) return this.fail({ reason: 'missing' } satisfies AuthFailure, 401);
    const clientId = this.clientIdOf(match[1]!);
    if (!clientId) return this.fail({ reason: 'bad_token' } satisfies AuthFailure, 401);
    const identity: CallerIdentity = { scheme: 'bearer', principal: clientId };
    this.success(identity);
  }
}

/** The strategies the configuration enables, by passport name. */
export function strategiesFor(config: Config, signedRequestOf: SignedRequestOf): Map<string, passport.Strategy> {
  const strategies = new Map<string, passport.Strategy>();
  const { appdirect } = config;

  if (appdirect.consumerCredentials.length > 0) {
    const secretsFor = (key: string) => appdirect.consumerCredentials.filter((c) => c.key === key).map((c) => c.secret);
    strategies.set('appdirect-oauth1', new OAuth1Strategy(secretsFor, signedRequestOf));
  }

  if (appdirect.basicUsername && appdirect.basicPassword) {
    strategies.set('appdirect-basic', new BasicCredentialsStrategy(appdirect.basicUsername, appdirect.basicPassword));
  }

  if (appdirect.oauth2ClientId && appdirect.oauth2ClientSecret) {
    const secret = appdirect.oauth2ClientSecret;
    strategies.set('appdirect-bearer', new BearerTokenStrategy((token) => verifyBearerToken(token, secret)));
  }
  return strategies;
}
