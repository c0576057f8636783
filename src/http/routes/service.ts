/**
 * The service's own routes outside the two APIs, as one surface: the AppDirect callback, the token endpoint,
 * health and metrics. Its OpenAPI document, generated from them, is served at /openapi.json.
 */
import { Router } from 'express';
import { callbackRoute } from '../callback/router';
import { domainRoutes } from '../connector/domains';
import { migrationRoutes } from '../connector/migration';
import { restrictionRoutes } from '../connector/restrictions';
import type { AppDeps } from '../deps';
import { documentRoute } from '../route-table/document-route';
import { mountRoutes } from '../route-table/mount';
import { openApiDocument } from '../route-table/openapi';
import type { Surface } from '../route-table/spec';
import { livezRoute, pingRoute, readyzRoute, statusRoute } from './health';
import { metricsRoute } from './metrics';
import { tokenRoute } from './oauth2-token';

export const SERVICE: Surface = {
  name: 'service',
  title: 'appdirect-provisioner: AppDirect callback, token endpoint, health and metrics',
  description:
    'What AppDirect calls (the event notification, the restrictions question, the migration, the domain calls and, for separate credentials, the token endpoint), and what the platform probes. The admin and product APIs have documents of their own (/admin/api/openapi.json, /product/api/openapi.json).',
  base: '',
  routes: [
    callbackRoute,
    ...restrictionRoutes,
    ...migrationRoutes,
    ...domainRoutes,
    tokenRoute,
    statusRoute,
    readyzRoute,
    livezRoute,
    pingRoute,
    metricsRoute,
    documentRoute(() => serviceDocument()),
  ],
};

let document: ReturnType<typeof openApiDocument> | undefined;
/** The service surface's OpenAPI document (built once). */
export const serviceDocument = () => (document ??= openApiDocument(SERVICE));

export function serviceRouter(deps: AppDeps): Router {
  const router = Router();
  mountRoutes(router, SERVICE.routes, deps);
  return router;
}
