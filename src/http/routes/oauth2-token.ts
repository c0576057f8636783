/**
 * POST /oauth2/token — the vendor-hosted token endpoint of AppDirect's
 * "separate credentials" model: grant_type=client_credentials, client
 * authenticated by HTTP Basic (or client_id/client_secret in the form). Issues
 * a short-lived bearer token that the callback accepts.
 */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { issueBearerToken } from '../../auth/bearer-tokens';
import { safeEqual } from '../../auth/constant-time';
import { AppError } from '../../errors/app-error';
import { appErrorOf, sendError } from '../middleware/errors';
import { CredentialGuessLimiter, rateLimit } from '../middleware/rate-limit';
import { defineRoute } from '../route-table/spec';

function clientCredentialsOf(req: Request, form: TokenForm): { id: string; secret: string } | null {
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
  if (form.client_id !== undefined && form.client_secret !== undefined)
    return { id: form.client_id, secret: form.client_secret };
  return null;
}

const tokenForm = z.looseObject({
  grant_type: z
    .string()
    .optional()
    .meta({ description: 'client_credentials, the only grant.', example: 'client_credentials' }),
  scope: z.string().optional().meta({ description: 'Echoed in the answer.' }),
  client_id: z.string().optional().meta({ description: 'With client_secret, instead of HTTP Basic.' }),
  client_secret: z.string().optional(),
});
type TokenForm = z.output<typeof tokenForm>;

/** RFC 6749 §5.2's error body, with the catalogue's fields alongside. */
const oauth2Error = z
  .object({
    error: z.enum([
      'invalid_request',
      'invalid_client',
      'unsupported_grant_type',
      'temporarily_unavailable',
      'server_error',
    ]),
    error_description: z.string(),
    code: z.string().meta({ description: 'The catalogue code (docs/errors.md).' }),
    message: z.string(),
    action: z.string(),
    requestId: z.string(),
  })
  .meta({ id: 'OAuth2Error', description: "RFC 6749 §5.2's error, with the catalogue's code, message and action." });

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

/** The token endpoint answers nothing until its client is configured. */
function configured(clientId: string | undefined, clientSecret: string | undefined) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    if (!clientId || !clientSecret) throw new AppError('OAUTH2_NOT_CONFIGURED', {});
    next();
  };
}

export const tokenRoute = defineRoute({
  method: 'post',
  path: '/oauth2/token',
  summary: "A bearer token for AppDirect's notifications (grant_type=client_credentials, client by HTTP Basic)",
  description:
    'The vendor-hosted token endpoint of AppDirect\'s separate credentials (README, "Connecting AppDirect"). Errors follow RFC 6749 §5.2.',
  auth: 'oauth2-client',
  body: { schema: tokenForm, limit: '4kb', kind: 'form', required: true },
  responses: {
    200: {
      description: 'A token (Cache-Control: no-store)',
      schema: z.object({
        access_token: z.string(),
        token_type: z.literal('bearer'),
        expires_in: z.number().int().meta({ description: 'Seconds (OAUTH2_TOKEN_TTL_SECONDS).' }),
        scope: z.string().optional(),
      }),
    },
  },
  errors: ['OAUTH2_NOT_CONFIGURED', 'OAUTH2_UNSUPPORTED_GRANT', 'RATE_LIMITED'],
  errorBody: { schema: oauth2Error, handler: () => oauth2Errors },
  examples: [
    { summary: 'Client credentials', body: { grant_type: 'client_credentials' }, status: 200 },
    { summary: 'A wrong secret', body: { grant_type: 'client_credentials' }, credentials: 'wrong', status: 401 },
    { summary: 'Another grant', body: { grant_type: 'password' }, status: 400 },
  ],
  before: (deps) => [
    rateLimit(deps, { name: 'token-requests', limit: 60, windowMs: 60_000 }),
    configured(deps.config.appdirect.oauth2ClientId, deps.config.appdirect.oauth2ClientSecret),
  ],
  handler: (deps) => {
    const { config } = deps;
    const guesses = new CredentialGuessLimiter(deps, GUESS_BUDGET);
    return async ({ body, req }) => {
      const clientId = config.appdirect.oauth2ClientId!;
      const clientSecret = config.appdirect.oauth2ClientSecret!;
      const client = clientCredentialsOf(req, body);
      const valid =
        client !== null && [safeEqual(client.id, clientId), safeEqual(client.secret, clientSecret)].every(Boolean);
      await guesses.settle(req, valid);
      if (!valid)
        throw new AppError('OAUTH2_INVALID_CLIENT', {}, { headers: { 'WWW-Authenticate': 'Basic realm="oauth2"' } });
      const grantType = body.grant_type ?? '';
      if (grantType !== 'client_credentials')
        throw new AppError('OAUTH2_UNSUPPORTED_GRANT', { grantType: grantType.slice(0, 50) });
      const token = issueBearerToken(clientId, clientSecret, config.oauth2TokenTtlSeconds);
      return {
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: {
          access_token: token.accessToken,
          token_type: 'bearer' as const,
          expires_in: token.expiresIn,
          ...(body.scope ? { scope: body.scope } : {}),
        },
      };
    };
  },
});
