/**
 * POST /oauth2/token — the vendor-hosted token endpoint of AppDirect's
 * "separate credentials" model: grant_type=client_credentials, client
 * authenticated by HTTP Basic (or client_id/client_secret in the form). Issues
 * a short-lived bearer token that the callback accepts.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { issueBearerToken } from '../../auth/bearer-tokens';
import { safeEqual } from '../../auth/constant-time';
import { AppError } from '../../errors/app-error';
import { bodyEncoding } from '../middleware/body';
import { appErrorOf, sendError } from '../middleware/errors';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { CredentialGuessLimiter, rateLimit, type LimitDeps } from '../middleware/rate-limit';

function clientCredentialsOf(req: Request): { id: string; secret: string } | null {
  const header = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('authorization') ?? '');
  if (header) {
    const decoded = Buffer.from(header[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    try {
      return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
    } catch {
      return null;
    }
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string')
    return { id: body.client_id, secret: body.client_secret };
  return null;
}

/** Failed client authentications allowed per minute, per client and over all clients together (every API process). */
export const GUESS_BUDGET = { name: 'token-guesses', perClient: 20, overall: 200, windowMs: 60_000 } as const;

/** RFC 6749 §5.2 `error` for a catalogue error of this endpoint. */
function oauth2ErrorOf(error: AppError): string {
  if (error.code === 'OAUTH2_UNSUPPORTED_GRANT') return 'unsupported_grant_type';
  if (error.status === 401) return 'invalid_client';
  if (error.status === 429 || error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  return 'invalid_request';
}

/**
 * Errors of the token endpoint in RFC 6749 §5.2's shape (`error`, `error_description`), keeping the
 * catalogue's fields (`code`, `message`, `action`, `requestId`) alongside.
 */
function oauth2Errors(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = appErrorOf(error, req);
  res.setHeader('Cache-Control', 'no-store');
  sendError(res, appError, {
    error: oauth2ErrorOf(appError),
    error_description: appError.message,
    code: appError.code,
    message: appError.message,
    action: appError.action,
    requestId: req.requestId,
  });
}

export function oauth2TokenRouter(deps: LimitDeps): Router {
  const { config } = deps;
  const router = Router();
  const { oauth2ClientId: clientId, oauth2ClientSecret: clientSecret } = config.appdirect;
  const form = express.urlencoded({ extended: false, limit: '4kb', type: () => true });
  const guesses = new CredentialGuessLimiter(deps, GUESS_BUDGET);
  route(router, '/oauth2/token', {
    post: [
      produces('application/json'),
      rateLimit(deps, { name: 'token-requests', limit: 60, windowMs: 60_000 }),
      (req, _res, next) => {
        if (!clientId || !clientSecret) throw new AppError('OAUTH2_NOT_CONFIGURED', {});
        if (!req.is('application/x-www-form-urlencoded')) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
            expected: 'application/x-www-form-urlencoded',
            received: req.get('content-type') ?? 'none',
          });
        }
        next();
      },
      bodyEncoding('form'),
      form,
      async (req, res) => {
        req.body ??= {};
        // RFC 6749 §3.2: a parameter sent more than once is an invalid_request.
        for (const [name, value] of Object.entries(req.body as Record<string, unknown>)) {
          if (typeof value !== 'string')
            throw new AppError('PARAMETER_INVALID', { name: name.slice(0, 50), reason: 'is repeated' });
        }
        const client = clientCredentialsOf(req);
        const valid =
          client !== null && [safeEqual(client.id, clientId!), safeEqual(client.secret, clientSecret!)].every(Boolean);
        await guesses.settle(req, valid);
        if (!valid) {
          throw new AppError('OAUTH2_INVALID_CLIENT', {}, { headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' } });
        }
        const grantType = String((req.body as Record<string, unknown>).grant_type ?? '');
        if (grantType !== 'client_credentials')
          throw new AppError('OAUTH2_UNSUPPORTED_GRANT', { grantType: grantType.slice(0, 50) });
        const token = issueBearerToken(clientId!, clientSecret!, config.oauth2TokenTtlSeconds);
        const scope = (req.body as Record<string, unknown>).scope;
        res.setHeader('Cache-Control', 'no-store');
        res.json({
          access_token: token.accessToken,
          token_type: 'bearer',
          expires_in: token.expiresIn,
          ...(typeof scope === 'string' && scope ? { scope } : {}),
        });
      },
    ],
  });
  router.use('/oauth2/token', oauth2Errors);
  return router;
}
