import { Router } from 'express';
import { AppError } from '../../errors/app-error';
import { adminApiRouter } from '../admin/api';
import type { AppDeps } from '../app';

/**
 * Without ADMIN_TOKEN the whole /admin tree answers 403 ADMIN_DISABLED (and the
 * start-up log says so once), rather than being reachable without credentials.
 */
export function adminGate(deps: AppDeps): Router {
  const router = Router();
  if (deps.config.adminTokens.length === 0) {
    deps.logger.warn('ADMIN_TOKEN is not set: /admin is disabled (every request answers 403 ADMIN_DISABLED)');
    router.use(() => {
      throw new AppError('ADMIN_DISABLED', {});
    });
    return router;
  }
  router.use('/api', adminApiRouter(deps));
  return router;
}
