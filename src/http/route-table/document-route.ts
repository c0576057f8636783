import { z } from 'zod';
import { defineRoute, type AnyRoute } from './spec';

/** An OpenAPI document as served (validated in full by its own test). */
const openApiObject = z
  .looseObject({
    openapi: z.literal('3.1.0'),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ description: 'An OpenAPI 3.1 document.' });

/** GET /openapi.json of a surface: its document, generated from its route table. Anyone may read it. */
export function documentRoute(document: () => object): AnyRoute {
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI document',
    auth: 'none',
    responses: { 200: { description: 'The document (also in docs/openapi/)', schema: openApiObject } },
    errors: [],
    examples: [{ summary: 'The document', status: 200 }],
    handler: () => async () => ({ status: 200, body: document() as z.input<typeof openApiObject> }),
  });
}
