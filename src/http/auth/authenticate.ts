/**
 * Authenticates AppDirect's notifications with whichever credential models the
 * configuration enables (passport strategies, tried in turn). A failure is a 401
 * from the catalogue naming its reason class, with nothing recorded. With no
 * model configured every notification is refused (503): never accept unauthenticated events.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { normalizeBaseUrl, type OAuth1Failure } from '../../auth/oauth1';
import { TIMESTAMP_WINDOW_SECONDS } from '../../auth/oauth1';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import { requestHost } from '../input';
import { CredentialGuessLimiter, type LimitDeps } from '../middleware/rate-limit';
import { strategiesFor, type CallerIdentity } from './strategies';

const SCHEME_OF_STRATEGY: Readonly<Record<string, string>> = {
  'appdirect-oauth1': 'OAuth',
  'appdirect-basic': 'Basic',
  'appdirect-bearer': 'Bearer',
};

/** The signed request as AppDirect addressed it: public URL (X-Forwarded-* only with TRUST_PROXY), raw query. */
function signedRequestOf(req: Request) {
  const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  return {
    method: req.method,
    baseUrl: normalizeBaseUrl(req.protocol, requestHost(req.host), req.path),
    query: [...new URLSearchParams(rawQuery)] as Array<[string, string]>,
    authorization: req.get('authorization'),
  };
}

export function callerOf(res: Response): CallerIdentity {
  return res.locals.caller as CallerIdentity;
}

/**
 * The callback's authentication middleware. `deps.redis` (producer profile) holds the guessing budget
 * every API process shares (src/http/middleware/rate-limit.ts).
 */
export function authenticateAppDirect(deps: LimitDeps): RequestHandler {
  const { config, logger } = deps;
  const authenticator = new passport.Passport();
  const strategies = strategiesFor(config, signedRequestOf);
  for (const [name, strategy] of strategies) authenticator.use(name, strategy);
  const names = [...strategies.keys()];
  const schemes = names.map((name) => SCHEME_OF_STRATEGY[name]!);
  const challenge = schemes.map((scheme) => `${scheme} realm="appdirect"`).join(', ');

  if (names.length === 0) {
    logger.error(
      'no AppDirect credentials are configured: every notification is refused with 503 CALLBACK_NOT_CONFIGURED',
    );
    return () => {
      throw new AppError('CALLBACK_NOT_CONFIGURED', {}, { headers: { 'Retry-After': '60' } });
    };
  }
  logger.info({ schemes }, 'AppDirect notifications accepted with these credential models');

  const unauthorized = (code: Parameters<typeof failureError>[0], req: Request) =>
    failureError(code, req, schemes, challenge);
  const guesses = new CredentialGuessLimiter(deps, CALLBACK_GUESS_BUDGET);

  return (req: Request, res: Response, next: NextFunction) => {
    requestHost(req.host); // a Host no URL can be built from is a 400 before any strategy runs
    // A password or token can be guessed; an OAuth 1.0a signature cannot without the secret.
    const guessable = /^(basic|bearer)\s/i.test(req.get('authorization') ?? '');
    const handle = authenticator.authenticate(
      names,
      { session: false },
      (error: unknown, caller: CallerIdentity | false, info: unknown) => {
        if (error) return next(error);
        const answer = () => {
          if (caller) {
            res.locals.caller = caller;
            return next();
          }
          const failures = Array.isArray(info) ? info : [info];
          next(
            unauthorized(
              failures.find((f): f is OAuth1Failure => typeof f === 'object' && f !== null && 'reason' in f),
              req,
            ),
          );
        };
        // A guess is counted, or refused with 429 over budget, once its credentials are checked.
        if (guessable) guesses.settle(req, Boolean(caller)).then(answer, next);
        else answer();
      },
    );
    handle(req, res, next);
  };
}

/**
 * Failed Basic/Bearer attempts on the callback allowed per minute, per client and over all clients
 * together (address spraying buys nothing), over every API process together. AppDirect itself never
 * fails, so it never meets the limit unless someone is guessing at the same moment; OAuth 1.0a-signed
 * notifications are not counted.
 */
export const CALLBACK_GUESS_BUDGET = {
  name: 'callback-guesses',
  perClient: 20,
  overall: 200,
  windowMs: 60_000,
} as const;

/** Picks the catalogue error from the scheme the caller used. */
function failureError(oauth1: OAuth1Failure | undefined, req: Request, schemes: string[], challenge: string): AppError {
  const headers = { 'WWW-Authenticate': challenge };
  const used = /^(\w+)\s/.exec(req.get('authorization') ?? '')?.[1]?.toLowerCase();
  const accepted = schemes.join(', ');
  if (used === 'basic' && schemes.includes('Basic')) {
    const malformed = !/^Basic\s+[A-Za-z0-9+/=]+$/i.test(req.get('authorization') ?? '');
    return malformed
      ? new AppError('AUTH_MALFORMED', { scheme: 'Basic', reason: 'not base64 user:password' }, { headers })
      : new AppError('AUTH_BAD_CREDENTIALS', { scheme: 'Basic' }, { headers });
  }
  if (used === 'bearer' && schemes.includes('Bearer')) return new AppError('AUTH_TOKEN_INVALID', {}, { headers });
  if (oauth1 && oauth1.reason !== 'missing' && schemes.includes('OAuth')) {
    switch (oauth1.reason) {
      case 'malformed':
        return new AppError('AUTH_MALFORMED', { scheme: 'OAuth', reason: oauth1.detail }, { headers });
      case 'unknown_key':
        return new AppError('AUTH_UNKNOWN_KEY', { key: oauth1.key.slice(0, 100) }, { headers });
      case 'expired_timestamp':
        return new AppError(
          'AUTH_TIMESTAMP_EXPIRED',
          { skew: oauth1.skew, window: TIMESTAMP_WINDOW_SECONDS },
          { headers },
        );
      case 'bad_signature':
        return new AppError('AUTH_BAD_SIGNATURE', {}, { headers });
    }
  }
  return new AppError('AUTH_MISSING', { schemes: accepted }, { headers });
}

/** The 401 for a replayed nonce (detected when the event is recorded). */
export function nonceReplayedError(config: Config): AppError {
  const schemes = [
    config.appdirect.consumerCredentials.length > 0 ? 'OAuth' : null,
    config.appdirect.basicUsername ? 'Basic' : null,
    config.appdirect.oauth2ClientId ? 'Bearer' : null,
  ].filter(Boolean);
  return new AppError(
    'AUTH_NONCE_REPLAYED',
    {},
    { headers: { 'WWW-Authenticate': schemes.map((s) => `${s} realm="appdirect"`).join(', ') } },
  );
}
