/**
 * The OpenAPI 3.1 document of a surface, generated from its route table (@asteasolutions/zod-to-openapi
 * renders the zod schemas): each route's parameters, body and answers as declared, its refusals as the
 * catalogue codes it may answer (grouped by status, each with its message), its security schemes, and its
 * examples. Nothing about a route is written anywhere else.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { HTTP_ERRORS, type HttpErrorCode } from '../../errors/catalogue';
import { serviceVersion } from '../../fleet/heartbeat';
import { AUTH_SCHEMES } from './auth-schemes';
import { codesByStatus, JSON_TYPE } from './codes';
import type { AnyRoute, Example, Surface } from './spec';

/** The body of every refusal (the token endpoint's carry RFC 6749's fields as well). */
export const errorBodySchema = z
  .object({
    code: z.string().meta({ description: 'The catalogue code (docs/errors.md).' }),
    message: z.string(),
    action: z.string().meta({ description: 'What to do about it.' }),
    requestId: z.string().meta({ description: 'Also the X-Request-Id header, and on every log line.' }),
    details: z
      .unknown()
      .optional()
      .meta({ description: 'Structured detail where useful (the invalid fields of a 422).' }),
  })
  .meta({ id: 'Error', description: 'A refusal from the error catalogue.' });

/** Headers a refusal of these statuses carries. */
const ERROR_HEADERS: Readonly<Record<number, Record<string, { description: string; schema: object }>>> = {
  401: { 'WWW-Authenticate': { description: 'The schemes accepted.', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait (when it will pass).', schema: { type: 'integer' } } },
};

/** `get /events/{token}/product-calls` -> `getEventsTokenProductCalls`. */
export function operationIdOf(route: AnyRoute): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

const exampleKey = (example: Example): string => example.summary.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

function errorResponses(route: AnyRoute): NonNullable<RouteConfig['responses']> {
  const component = (route.errorBody?.schema.meta()?.id as string | undefined) ?? 'Error';
  const responses: NonNullable<RouteConfig['responses']> = {};
  for (const [status, codes] of codesByStatus(route)) {
    responses[status] = {
      description: codes.map((code: HttpErrorCode) => `\`${code}\`: ${HTTP_ERRORS[code].message}`).join('\n\n'),
      headers: ERROR_HEADERS[status],
      content: {
        [JSON_TYPE]: {
          schema: { allOf: [{ $ref: `#/components/schemas/${component}` }, { properties: { code: { enum: codes } } }] },
        },
      },
    };
  }
  return responses;
}

function routeConfig(route: AnyRoute): RouteConfig {
  const security = Object.keys(AUTH_SCHEMES[route.auth].security).map((name) => ({ [name]: [] }));
  const bodyExamples = Object.fromEntries(
    route.examples
      .filter((example) => example.body !== undefined)
      .map((example) => [exampleKey(example), { summary: example.summary, value: example.body }]),
  );
  const responses: NonNullable<RouteConfig['responses']> = {};
  for (const [status, answer] of Object.entries(route.responses))
    responses[status] = {
      description: answer.description,
      content: { [answer.contentType ?? JSON_TYPE]: { schema: answer.schema } },
    };
  return {
    method: route.method,
    path: route.path,
    operationId: operationIdOf(route),
    summary: route.summary,
    description: route.description,
    security,
    request: {
      params: route.params as z.ZodObject | undefined,
      query: route.query as z.ZodObject | undefined,
      headers: route.headers as z.ZodObject | undefined,
      body: route.body && {
        required: route.body.required ?? false,
        content: {
          [route.body.kind === 'form' ? 'application/x-www-form-urlencoded' : JSON_TYPE]: {
            schema: route.body.schema,
            ...(Object.keys(bodyExamples).length ? { examples: bodyExamples } : {}),
          },
        },
      },
    },
    responses: { ...responses, ...errorResponses(route) },
  };
}

interface ParameterObject {
  name: string;
  in: string;
  examples?: Record<string, { summary: string; value: unknown }>;
}

/** Each example's parameter values, on the parameters they belong to (the generator documents schemas only). */
function addParameterExamples(document: { paths?: object }, routes: readonly AnyRoute[]): void {
  for (const route of routes) {
    const operation = (document.paths as Record<string, Record<string, { parameters?: ParameterObject[] }>>)[
      route.path
    ]?.[route.method];
    for (const parameter of operation?.parameters ?? []) {
      for (const example of route.examples) {
        const values =
          parameter.in === 'path'
            ? example.params
            : parameter.in === 'query'
              ? example.query
              : parameter.in === 'header'
                ? example.headers
                : undefined;
        const value = values?.[parameter.name];
        if (value === undefined) continue;
        parameter.examples = { ...parameter.examples, [exampleKey(example)]: { summary: example.summary, value } };
      }
    }
  }
}

/** The OpenAPI 3.1 document of `surface`. */
export function openApiDocument(surface: Surface) {
  const registry = new OpenAPIRegistry();
  const schemes = new Set(surface.routes.map((route) => route.auth));
  for (const scheme of schemes)
    for (const [name, definition] of Object.entries(AUTH_SCHEMES[scheme].security))
      registry.registerComponent('securitySchemes', name, definition);
  for (const route of surface.routes) registry.registerPath(routeConfig(route));
  // Refusal bodies are referenced by name from each response; schemas with an id are components.
  const errorBodies = [errorBodySchema, ...surface.routes.flatMap((route) => route.errorBody?.schema ?? [])];
  const definitions = [...errorBodies.map((schema) => ({ type: 'schema' as const, schema })), ...registry.definitions];
  const document = new OpenApiGeneratorV31(definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: surface.title, version: serviceVersion(), description: surface.description },
    servers: [{ url: surface.base || '/' }],
  });
  addParameterExamples(document, surface.routes);
  return document;
}
