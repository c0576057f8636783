/**
 * How each caller of a route table is checked (the middleware, made once per route) and documented (its
 * OpenAPI security schemes and the catalogue codes a refusal carries).
 */
import type { RequestHandler } from 'express';
import type { HttpErrorCode } from '../../errors/catalogue';
import { requireAdmin, SESSION_COOKIE } from '../admin/auth';
import { authenticateAppDirect } from '../auth/authenticate';
import type { AppDeps } from '../deps';
import { requireProduct } from '../product/auth';
import type { AuthScheme } from './spec';

/** An OpenAPI 3.1 security scheme object. */
export type SecurityScheme =
  | { readonly type: 'http'; readonly scheme: string; readonly description: string }
  | { readonly type: 'apiKey'; readonly in: 'cookie' | 'header'; readonly name: string; readonly description: string };

interface SchemeDefinition {
  /** Checks the caller before the route reads anything else; none where the handler does it. */
  readonly middleware: (deps: AppDeps) => RequestHandler[];
  /** Alternatives: any one of them is enough. */
  readonly security: Readonly<Record<string, SecurityScheme>>;
  /** What a caller may be refused with; `writes` only on a state-changing method. */
  readonly codes: readonly HttpErrorCode[];
  readonly writes?: readonly HttpErrorCode[];
}

export const AUTH_SCHEMES: Readonly<Record<AuthScheme, SchemeDefinition>> = {
  admin: {
    middleware: (deps) => [requireAdmin(deps.config)],
    security: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'One of the ADMIN_TOKEN tokens.' },
      adminSession: {
        type: 'apiKey',
        in: 'cookie',
        name: SESSION_COOKIE,
        description: "The admin page's session (its writes also need the X-CSRF-Token header the page sends).",
      },
    },
    codes: ['ADMIN_TOKEN_INVALID', 'ADMIN_DISABLED'],
    writes: ['CSRF_REJECTED'],
  },
  product: {
    middleware: (deps) => [requireProduct(deps.config.product.apiTokens)],
    security: {
      productToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'One of the PRODUCT_API_TOKENS (not an admin token).',
      },
    },
    codes: ['PRODUCT_TOKEN_INVALID', 'PRODUCT_API_DISABLED'],
  },
  appdirect: {
    middleware: (deps) => [authenticateAppDirect(deps)],
    security: {
      appdirectOAuth1: {
        type: 'http',
        scheme: 'OAuth',
        description: 'Legacy shared credentials: a two-legged OAuth 1.0a HMAC-SHA1 signature (APPDIRECT_CONSUMER_KEY).',
      },
      appdirectBasic: {
        type: 'http',
        scheme: 'basic',
        description: 'APPDIRECT_BASIC_USERNAME and APPDIRECT_BASIC_PASSWORD.',
      },
      appdirectBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A token from POST /oauth2/token (APPDIRECT_OAUTH2_CLIENT_ID).',
      },
    },
    codes: [
      'AUTH_MISSING',
      'AUTH_MALFORMED',
      'AUTH_UNKNOWN_KEY',
      'AUTH_BAD_SIGNATURE',
      'AUTH_TIMESTAMP_EXPIRED',
      'AUTH_NONCE_REPLAYED',
      'AUTH_BAD_CREDENTIALS',
      'AUTH_TOKEN_INVALID',
      'CALLBACK_NOT_CONFIGURED',
      'RATE_LIMITED',
      'PARAMETER_INVALID',
    ],
  },
  'oauth2-client': {
    // The client may authenticate in the form body too, so the handler checks it once the body is read.
    middleware: () => [],
    security: {
      oauth2Client: {
        type: 'http',
        scheme: 'basic',
        description:
          'The client id and secret (APPDIRECT_OAUTH2_CLIENT_ID/_SECRET); or client_id and client_secret in the form.',
      },
    },
    codes: ['OAUTH2_INVALID_CLIENT', 'RATE_LIMITED'],
  },
  none: { middleware: () => [], security: {}, codes: [] },
};
