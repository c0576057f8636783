/**
 * A route table as Express routes. Each route's chain, in this order: 406 unless Accept allows its answer's
 * media type; its own middleware (a rate limit); the caller check of its scheme; its path parameters,
 * query and declared headers (400 naming the parameter); its body (415, 413, 400, then 422 listing the fields or 400 naming the
 * parameter); the handler, whose answer is sent with its declared status. Every other method on a path is
 * 405 with Allow.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { AppDeps } from '../deps';
import { parseQueryParams } from '../input';
import { formBody, validateForm } from '../middleware/form-body';
import { jsonBody, validateBody } from '../middleware/json-body';
import { route as routeMethods } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { AUTH_SCHEMES } from './auth-schemes';
import { answerType, JSON_TYPE } from './codes';
import type { AnyRoute, Method, Reply, Responses } from './spec';

/** `/events/{token}` (OpenAPI) as Express writes it: `/events/:token`. */
export const expressPath = (path: string): string => path.replace(/\{([^}]+)\}/g, ':$1');

interface CheckedInput {
  readonly params: unknown;
  readonly query: unknown;
  readonly headers: unknown;
}

/** The declared headers of the request, by their declared names (a header sent twice is refused). */
function declaredHeaders(route: AnyRoute, req: Request): Record<string, unknown> {
  const names = Object.keys((route.headers as { shape?: object } | undefined)?.shape ?? {});
  return Object.fromEntries(
    names.filter((name) => req.headers[name] !== undefined).map((name) => [name, req.headers[name]]),
  );
}

function checkInput(route: AnyRoute): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const input: CheckedInput = {
      params: route.params ? parseQueryParams(route.params, req.params) : {},
      query: route.query ? parseQueryParams(route.query, req.query) : {},
      headers: route.headers ? parseQueryParams(route.headers, declaredHeaders(route, req)) : {},
    };
    res.locals.input = input;
    next();
  };
}

function bodyOf(route: AnyRoute): RequestHandler[] {
  if (!route.body) return [];
  const { schema, limit, kind = 'json', invalid } = route.body;
  return kind === 'form'
    ? [...formBody(limit), validateForm(schema)]
    : [jsonBody(limit), validateBody(schema, invalid)];
}

function answer(route: AnyRoute, deps: AppDeps): RequestHandler {
  const run = route.handler(deps);
  return async (req: Request, res: Response) => {
    const { params, query, headers } = res.locals.input as CheckedInput;
    const reply = (await run({ params, query, headers, body: req.body, req, res })) as Reply<Responses>;
    const declared = route.responses[reply.status];
    // The compiler holds handlers to their declared answers; this catches a cast that lied.
    if (!declared)
      throw new Error(`${route.method.toUpperCase()} ${route.path} answered an undeclared ${reply.status}`);
    res.status(reply.status);
    const type = declared.contentType ?? JSON_TYPE;
    if (type !== JSON_TYPE) res.type(type);
    if (reply.headers) res.set(reply.headers);
    if (type === JSON_TYPE) res.json(reply.body);
    else res.send(reply.body);
    reply.after?.();
  };
}

/** The Express chain of one route (see the module comment for its order). */
function chainOf(route: AnyRoute, deps: AppDeps): RequestHandler[] {
  const type = answerType(route);
  return [
    ...(type === JSON_TYPE ? [produces(JSON_TYPE)] : []),
    ...(route.before?.(deps) ?? []),
    ...AUTH_SCHEMES[route.auth].middleware(deps),
    checkInput(route),
    ...bodyOf(route),
    answer(route, deps),
  ];
}

/** Mounts `routes` on `router` (paths relative to where the router is mounted). */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], deps: AppDeps): void {
  const byPath = new Map<string, Partial<Record<Method, RequestHandler[]>>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? {};
    if (methods[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    methods[route.method] = chainOf(route, deps);
    byPath.set(route.path, methods);
  }
  for (const [path, methods] of byPath) routeMethods(router, expressPath(path), methods);
  for (const route of routes) if (route.errorBody) router.use(expressPath(route.path), route.errorBody.handler(deps));
}
