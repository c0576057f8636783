import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import { checkHealth, type HealthReport } from '../../health/checks';
import { apiReadiness, unreadyError } from '../../health/probes';
import { failing, misconfigured, publicChecks } from '../../health/status';
import { tokenOwner } from '../admin/auth';
import type { AppDeps } from '../deps';
import { RETRY_AFTER_SECONDS } from '../middleware/errors';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';

/** An admin's Bearer token sees the full report (error text, pending migrations); anyone else only ok/latency. */
function checksFor(req: Request, config: Config, report: HealthReport) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  return bearer && tokenOwner(config.adminTokens, bearer) ? report.checks : publicChecks(report);
}

/**
 * GET /ping and GET /livez: the process answers (touches nothing else).
 * GET /readyz: PostgreSQL answers, migrations are applied and the app role may use the tables (Redis is not
 * required: see src/health/probes.ts).
 * GET /status: 200 when PostgreSQL and Redis answer, migrations are applied and the preflight found no set-up
 * problem; else 503 naming what is down (DEPENDENCY_UNAVAILABLE) or what is set up wrong (DEPENDENCY_MISCONFIGURED).
 */
export function healthRouter(
  deps: Pick<AppDeps, 'prisma' | 'redis' | 'expectedMigrations' | 'config' | 'preflight'>,
): Router {
  const router = Router();
  const alive: RequestHandler[] = [produces('application/json'), (_req, res) => void res.json({ status: 'ok' })];
  route(router, '/ping', { get: alive });
  route(router, '/livez', { get: alive });
  route(router, '/readyz', {
    get: [
      produces('application/json'),
      async (req, res) => {
        const readiness = await apiReadiness(deps);
        const checks = checksFor(req, deps.config, readiness.report);
        if (readiness.ready) {
          res.json({ status: 'ready', checks });
          return;
        }
        throw unreadyError(readiness, checks);
      },
    ],
  });
  route(router, '/status', {
    get: [
      produces('application/json'),
      async (req, res) => {
        const report = await checkHealth(deps);
        const checks = checksFor(req, deps.config, report);
        if (report.ok) {
          res.json({ status: 'ok', checks });
          return;
        }
        const down = failing(report, ['postgres', 'redis', 'migrations']);
        const problems = misconfigured(report);
        if (down.length === 0 && problems)
          throw new AppError('DEPENDENCY_MISCONFIGURED', problems, { details: { checks } });
        throw new AppError(
          'DEPENDENCY_UNAVAILABLE',
          { dependency: down.join(' and ') },
          { details: { checks }, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
        );
      },
    ],
  });
  return router;
}
