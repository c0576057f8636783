import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient } from '../marketplace/client';
import type { ProcessMetrics } from '../metrics/registry';
import type { Producer } from '../queue/producer';
import { callbackRouter } from './callback/router';
import { errorHandler, notFound } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { adminRouter } from './admin/router';
import { httpMetrics } from './middleware/http-metrics';
import { healthRouter } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { oauth2TokenRouter } from './routes/oauth2-token';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly prisma: PrismaClient;
  /** Producer-profile connection (fails fast). */
  readonly redis: Redis;
  /** Migration names shipped with this build; /status checks they are applied. */
  readonly expectedMigrations: readonly string[];
  readonly producer: Producer;
  readonly marketplace: MarketplaceClient;
  readonly metrics: ProcessMetrics;
}

/** Builds the HTTP application without listening, so tests can drive it directly. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.use(requestContext(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps.metrics.registry));
  app.use(oauth2TokenRouter(deps.config));
  app.use(callbackRouter(deps));
  app.use('/admin', adminRouter(deps));
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
