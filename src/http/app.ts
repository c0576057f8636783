import express, { type Express } from 'express';
import type { AppDeps } from './deps';
import { errorHandler, hostRequired, notFound } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { adminRouter } from './admin/router';
import { httpMetrics } from './middleware/http-metrics';
import { serviceRouter } from './routes/service';
import { productRouter } from './product/router';

export type { AppDeps };

/** Builds the HTTP application without listening, so tests can drive it directly. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const { trustProxy } = deps.config;
  app.set('trust proxy', Array.isArray(trustProxy) ? [...trustProxy] : trustProxy);
  app.use(requestContext(deps.logger));
  app.use(hostRequired);
  app.use(httpMetrics(deps.metrics));
  app.use(serviceRouter(deps));
  app.use('/admin', adminRouter(deps));
  app.use('/product/api', productRouter(deps));
  app.use(notFound);
  app.use(errorHandler());
  return app;
}
