import { Router } from 'express';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../logging/logger';

/**
 * Without ADMIN_TOKEN the whole /admin tree answers 403 ADMIN_DISABLED (and the
 * start-up log says so once), rather than being reachable without credentials.
 */
export function adminGate(config: Config, logger: Logger): Router {
  const router = Router();
  if (!config.adminToken) {
    logger.warn('ADMIN_TOKEN is not set: /admin is disabled (every request answers 403 ADMIN_DISABLED)');
    router.use(() => {
      throw new AppError('ADMIN_DISABLED', {});
    });
  }
  return router;
}
