/**
 * A route declared once: method, path, who may call it, the zod schemas of its parameters, query, body and
 * of each answer, the catalogue codes it may refuse with, and examples. `mountRoutes` (mount.ts) builds the
 * Express chain from it (validation included), `openApiDocument` (openapi.ts) the OpenAPI 3.1 document, and
 * the contract test runs the examples against the real service and checks each answer against the schema
 * declared for its status.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { HttpErrorCode } from '../../errors/catalogue';
import type { AppDeps } from '../deps';

export type Method = 'get' | 'post' | 'delete';

/**
 * Who may call a route (auth-schemes.ts says how each is checked and documented): an admin token or page
 * session, a product API token, AppDirect's notification credentials, an OAuth 2.0 client at the token
 * endpoint, or anyone.
 */
export type AuthScheme = 'admin' | 'product' | 'appdirect' | 'oauth2-client' | 'none';

/** One answer of a route: its JSON body (or text, with `contentType`). */
export interface ResponseSpec {
  readonly description: string;
  readonly schema: z.ZodType;
  /** `application/json` unless said. */
  readonly contentType?: string;
}

export type Responses = Readonly<Record<number, ResponseSpec>>;

export interface BodySpec<B extends z.ZodType = z.ZodType> {
  readonly schema: B;
  /** Largest body read (body-parser's syntax: '16kb'); beyond it 413. */
  readonly limit: string;
  /** `json` (default): 422 VALIDATION_FAILED listing the fields; `form`: 400 naming the parameter. */
  readonly kind?: 'json' | 'form';
  /** What a JSON body that fails its schema is refused with (default VALIDATION_FAILED, 422). */
  readonly invalid?: 'VALIDATION_FAILED' | 'BODY_INVALID';
  /** A body must be sent (else an absent body is validated as `{}`). */
  readonly required?: boolean;
}

/**
 * What the service must hold before an example can run; the contract test builds each (a state named here
 * and not built there does not compile) and puts its values into the example's parameters, query and body.
 */
export const EXAMPLE_STATES = [
  'a succeeded event',
  'a failed event',
  'an unfinished event',
  'an undelivered result',
  'an owed product call',
  'a pending decision',
  'an event at the marketplace',
  'an active add-on',
  'a failed report',
  'a domain verification callback at the marketplace',
] as const;
export type ExampleState = (typeof EXAMPLE_STATES)[number];

/** A request the route's documentation shows, and the contract test sends. */
export interface Example {
  readonly summary: string;
  readonly given?: ExampleState;
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** Request headers the route declares (`headers`), by their declared (lower-case) names. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** `none`: sent without credentials; `wrong`: with credentials the service does not accept. */
  readonly credentials?: 'none' | 'wrong';
  /** The status it is answered with. */
  readonly status: number;
}

/** A value as a handler may give it: where the JSON answer has an ISO date-time text, a Date serialises to one. */
export type Wire<T> = T extends string
  ? string extends T
    ? string | Date
    : T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<Wire<E>>
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** A handler's answer: one of the declared statuses with a body of its schema. */
export type Reply<R extends Responses> = {
  [S in keyof R & number]: {
    readonly status: S;
    readonly body: Wire<z.input<R[S]['schema']>>;
    readonly headers?: Readonly<Record<string, string>>;
    /** Runs once the answer is sent (work that must not delay it). */
    readonly after?: () => void;
  };
}[keyof R & number];

export interface RouteInput<P, Q, B, H = unknown> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The declared request headers, checked (`headers` of the route). */
  readonly headers: H;
  readonly req: Request;
  readonly res: Response;
}

/** What a route that declares no parameters, query or body is handed for it. */
export type Nothing = z.ZodObject<Record<string, never>>;

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends Responses = Responses,
  H extends z.ZodType = z.ZodType,
> {
  readonly method: Method;
  /** OpenAPI form (`/events/{token}`), relative to the surface's base URL. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: AuthScheme;
  /** Path parameters, checked after authentication: 400 PARAMETER_INVALID naming the parameter. */
  readonly params?: P;
  /** The query (a strict object refuses unknown parameters; a loose one ignores them). */
  readonly query?: Q;
  readonly body?: BodySpec<B>;
  /**
   * Request headers the route reads (an object of lower-case names, e.g. `idempotency-key`), checked after the
   * parameters: 400 PARAMETER_MISSING or PARAMETER_INVALID naming the header.
   */
  readonly headers?: H;
  readonly responses: R;
  /**
   * Catalogue codes the route itself may answer. Those its parts imply (authentication, parameters, body,
   * Accept, 500) are added by `codesOf`.
   */
  readonly errors: readonly HttpErrorCode[];
  /** At least one; a refusal too where the route has one. */
  readonly examples: readonly Example[];
  /** Middleware before authentication (a rate limit, a configuration check), made once per application. */
  readonly before?: (deps: AppDeps) => RequestHandler[];
  /**
   * Errors of this route in another shape than the catalogue's body (the token endpoint's RFC 6749 §5.2 ones):
   * the schema documents them, the handler sends them.
   */
  readonly errorBody?: { readonly schema: z.ZodType; readonly handler: (deps: AppDeps) => ErrorHandler };
  /** Made once per application with its dependencies. */
  readonly handler: (
    deps: AppDeps,
  ) => (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>, z.output<H>>) => Promise<Reply<NoInfer<R>>>;
}

export type ErrorHandler = (error: unknown, req: Request, res: Response, next: (error?: unknown) => void) => void;

/** A route of any schemas, as the tables hold them. */
export type AnyRoute = RouteSpec;

/**
 * Declares a route, checking its handler's answers against its responses; the table holds it without its
 * schema types (`AnyRoute`).
 */
export function defineRoute<
  const R extends Responses,
  P extends z.ZodType = Nothing,
  Q extends z.ZodType = Nothing,
  B extends z.ZodType = Nothing,
  H extends z.ZodType = Nothing,
>(spec: RouteSpec<P, Q, B, R, H>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** A group of routes served under one base URL with one OpenAPI document. */
export interface Surface {
  /** Names the document (docs/openapi/<name>.json). */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Where its routes are mounted; the document's server URL. */
  readonly base: string;
  readonly routes: readonly AnyRoute[];
}
