/**
 * The admin JSON API under /admin/api: its route table (each route in routes/*.ts) and its OpenAPI
 * document, generated from the table and served at /admin/api/openapi.json. Every state-changing call
 * writes the audit log.
 */
import { Router } from 'express';
import type { AppDeps } from '../deps';
import { mountRoutes } from '../route-table/mount';
import { openApiDocument } from '../route-table/openapi';
import type { Surface } from '../route-table/spec';
import { overviewRoute } from './overview-api';
import { searchAccountsRoute, showAccountRoute } from './routes/accounts';
import { bulkRetryRoute, cancelRoute, rerunRoute, resendResultRoute, retryEventRoute } from './routes/event-actions';
import { eventProductCallsRoute, listEventsRoute, showEventRoute } from './routes/events';
import { owedProductCallsRoute, undeliveredResultsRoute } from './routes/owed';
import { reaskRoute, resendCallRoute } from './routes/product-calls';
import { cancelReportRoute, listReportsRoute, resendReportRoute, showReportRoute } from './routes/reports';
import { documentRoute } from '../route-table/document-route';

const ROUTES = [
  overviewRoute,
  listEventsRoute,
  bulkRetryRoute,
  showEventRoute,
  retryEventRoute,
  rerunRoute,
  resendResultRoute,
  cancelRoute,
  eventProductCallsRoute,
  resendCallRoute,
  reaskRoute,
  undeliveredResultsRoute,
  owedProductCallsRoute,
  listReportsRoute,
  showReportRoute,
  resendReportRoute,
  cancelReportRoute,
  searchAccountsRoute,
  showAccountRoute,
];

export const ADMIN_API: Surface = {
  name: 'admin',
  title: 'appdirect-provisioner admin API',
  description:
    "See the state of the installation; inspect, retry and cancel AppDirect events; list what is still owed; list, re-send and cancel the product's reports (usage); look up accounts. Every state-changing call is written to the audit log.",
  base: '/admin/api',
  routes: [...ROUTES, documentRoute(() => adminApiDocument())],
};

let document: ReturnType<typeof openApiDocument> | undefined;
/** The admin API's OpenAPI document (built once). */
export const adminApiDocument = () => (document ??= openApiDocument(ADMIN_API));

/** The admin API's routes (mounted under /admin/api once ADMIN_TOKEN is set). */
export function adminApiRouter(deps: AppDeps): Router {
  const router = Router();
  mountRoutes(router, ADMIN_API.routes, deps);
  return router;
}
