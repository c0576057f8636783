import { Router } from 'express';
import { AppError } from '../../errors/app-error';
import { checkHealth } from '../../health/checks';
import type { AppDeps } from '../deps';
import { RETRY_AFTER_SECONDS } from '../middleware/errors';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';

/**
 * GET /ping: the process is alive (touches nothing else).
 * GET /status: 200 when PostgreSQL and Redis answer and migrations are applied, else 503 naming what is down.
 */
export function healthRouter(deps: Pick<AppDeps, 'prisma' | 'redis' | 'expectedMigrations'>): Router {
  const router = Router();
  route(router, '/ping', {
    get: [produces('application/json'), (_req, res) => void res.json({ status: 'ok' })],
  });
  route(router, '/status', {
    get: [
      produces('application/json'),
      async (_req, res) => {
        const report = await checkHealth(deps);
        if (report.ok) {
          res.json({ status: 'ok', checks: report.checks });
          return;
        }
        const down = Object.entries(report.checks)
          .filter(([, check]) => !check.ok)
          .map(([name]) => ({ postgres: 'PostgreSQL', redis: 'Redis', migrations: 'Database migrations' })[name] ?? name);
        throw new AppError(
          'DEPENDENCY_UNAVAILABLE',
          { dependency: down.join(' and ') },
          { details: { checks: report.checks }, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
        );
      },
    ],
  });
  return router;
}
