import { z } from 'zod';
import { defineRoute } from '../route-table/spec';

/** GET /metrics in Prometheus text format (counts only; not authenticated: expose it to Prometheus only). */
export const metricsRoute = defineRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics of this API process and of the installation',
  auth: 'none',
  responses: {
    200: { description: 'Prometheus text exposition format', schema: z.string(), contentType: 'text/plain' },
  },
  errors: [],
  examples: [{ summary: 'The metrics', status: 200 }],
  handler: (deps) => async () => ({
    status: 200,
    headers: { 'Content-Type': deps.metrics.registry.contentType },
    body: await deps.metrics.registry.metrics(),
  }),
});
