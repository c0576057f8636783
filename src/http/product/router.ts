/**
 * The product API under /product/api: what the vendor's product may read, complete and report, with its own
 * tokens (PRODUCT_API_TOKENS; the admin token is not accepted). Its routes are routes.ts; its OpenAPI
 * document, generated from them, is served at /product/api/openapi.json. Without tokens the tree answers
 * 403 PRODUCT_API_DISABLED.
 */
import { Router } from 'express';
import { AppError } from '../../errors/app-error';
import type { AppDeps } from '../deps';
import { documentRoute } from '../route-table/document-route';
import { mountRoutes } from '../route-table/mount';
import { openApiDocument } from '../route-table/openapi';
import type { Surface } from '../route-table/spec';
import { companyAccountsRoute, completeDecisionRoute, productAccountRoute } from './routes';
import { accountUsageRoute, addonUsageRoute } from './usage';
import { userSyncRoute } from './user-sync';

export const PRODUCT_API: Surface = {
  name: 'product',
  title: 'appdirect-provisioner product API',
  description:
    'For the vendor product: read accounts, their users and add-ons, complete a decision answered `pending`, and ' +
    'report usage to bill and users your product assigned or unassigned itself (each delivered to AppDirect once). ' +
    'Authenticated with a PRODUCT_API_TOKENS bearer token (not the admin token).',
  base: '/product/api',
  routes: [
    companyAccountsRoute,
    productAccountRoute,
    completeDecisionRoute,
    accountUsageRoute,
    addonUsageRoute,
    userSyncRoute,
    documentRoute(() => productApiDocument()),
  ],
};

let document: ReturnType<typeof openApiDocument> | undefined;
/** The product API's OpenAPI document (built once). */
export const productApiDocument = () => (document ??= openApiDocument(PRODUCT_API));

export function productRouter(deps: AppDeps): Router {
  const router = Router();
  if (deps.config.product.apiTokens.length === 0) {
    router.use(() => {
      throw new AppError('PRODUCT_API_DISABLED', {});
    });
    return router;
  }
  mountRoutes(router, PRODUCT_API.routes, deps);
  return router;
}
