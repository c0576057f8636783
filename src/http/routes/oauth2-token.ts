/**
 * POST /oauth2/token — the vendor-hosted token endpoint of AppDirect's
 * "separate credentials" model: grant_type=client_credentials, client
 * authenticated by HTTP Basic (or client_id/client_secret in the form). Issues
 * a short-lived bearer token that the callback accepts.
 */
import express, { Router, type Request } from 'express';
import { issueBearerToken } from '../../auth/bearer-tokens';
import { safeEqual } from '../../auth/constant-time';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { rateLimit } from '../middleware/rate-limit';

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
  const body = req.body as Record<string, unknown>;
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') return { id: body.client_id, secret: body.client_secret };
  return null;
}

export function oauth2TokenRouter(config: Config): Router {
  const router = Router();
  const { oauth2ClientId: clientId, oauth2ClientSecret: clientSecret } = config.appdirect;
  const form = express.urlencoded({ extended: false, limit: '4kb', type: () => true });
  route(router, '/oauth2/token', {
    post: [
      produces('application/json'),
      rateLimit({ limit: 60, windowMs: 60_000 }),
      (req, _res, next) => {
        if (!clientId || !clientSecret) throw new AppError('OAUTH2_NOT_CONFIGURED', {});
        if (!req.is('application/x-www-form-urlencoded')) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: 'application/x-www-form-urlencoded', received: req.get('content-type') ?? 'none' });
        }
        next();
      },
      form,
      (req, res) => {
        const client = clientCredentialsOf(req);
        const valid = client !== null && [safeEqual(client.id, clientId!), safeEqual(client.secret, clientSecret!)].every(Boolean);
        if (!valid) {
          throw new AppError('AUTH_BAD_CREDENTIALS', { scheme: 'OAuth 2.0 client' }, { headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' } });
        }
        const grantType = String((req.body as Record<string, unknown>).grant_type ?? '');
        if (grantType !== 'client_credentials') throw new AppError('OAUTH2_UNSUPPORTED_GRANT', { grantType: grantType.slice(0, 50) });
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
  return router;
}
