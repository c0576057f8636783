/**
 * GET /admin/api/overview?window=24h|7d: the overview the admin page shows, as JSON (src/admin/overview.ts,
 * described in openapi-overview.ts). Mounted beside the rest of the admin API.
 */
import { Router } from 'express';
import { buildOverview, OVERVIEW_WINDOW_NAMES, type OverviewWindow } from '../../admin/overview';
import { AppError } from '../../errors/app-error';
import { QUEUES } from '../../queue/names';
import type { AppDeps } from '../deps';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { requireAdmin } from './auth';

/** The overview's sources as the API process has them. */
export const overviewSources = (deps: AppDeps) => ({
  prisma: deps.prisma,
  queueNames: Object.values(QUEUES),
  queueCounts: (name: string) => deps.producer.countsOf(name),
});

/** `window` from a query: absent means 24h; anything else than a known window is refused. */
export function windowOf(query: Record<string, unknown>): OverviewWindow {
  const unknown = Object.keys(query).find((key) => key !== 'window');
  if (unknown) throw new AppError('PARAMETER_INVALID', { name: unknown, reason: 'not a known parameter' });
  const window = query.window ?? '24h';
  if (typeof window !== 'string' || !(OVERVIEW_WINDOW_NAMES as string[]).includes(window)) {
    throw new AppError('PARAMETER_INVALID', { name: 'window', reason: `one of ${OVERVIEW_WINDOW_NAMES.join(', ')}` });
  }
  return window as OverviewWindow;
}

export function overviewApiRouter(deps: AppDeps): Router {
  const router = Router();
  route(router, '/overview', {
    get: [
      produces('application/json'),
      requireAdmin(deps.config),
      async (req, res) => {
        const window = windowOf(req.query);
        res.set('Cache-Control', 'no-store').json(await buildOverview(overviewSources(deps), window));
      },
    ],
  });
  return router;
}
