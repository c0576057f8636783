import { Router } from 'express';
import type { Registry } from 'prom-client';
import { route } from '../middleware/methods';

/** GET /metrics in Prometheus text format. */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  route(router, '/metrics', {
    get: async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.send(await registry.metrics());
    },
  });
  return router;
}
