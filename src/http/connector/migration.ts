/**
 * AppDirect's migration of customers the vendor already serves (the SDK's AppmarketMigrationController, v1 and v2
 * mapped to one handler each, as there): POST /api/v{1,2}/migration/validateCustomerAccount and
 * …/validateSubscription (maps of vendor fields) and …/subscription (the subscription to bring in), each answered
 * 200 with an APIResult, success or not. Authenticated like the event notification.
 */
import { apiResultSchema, migratedSubscriptionSchema, vendorFieldsSchema } from '../../marketplace/migration';
import { migrateSubscription } from '../../migration/migrate';
import { validateForMigration, type Validation } from '../../migration/validate';
import { callerOf } from '../auth/authenticate';
import { defineRoute, type AnyRoute, type Example } from '../route-table/spec';
import { spendNonce } from './spend-nonce';

const result = {
  200: {
    description: "The APIResult: success, or the code and message AppDirect's migration reports",
    schema: apiResultSchema.meta({ id: 'APIResult' }),
  },
} as const;

const unauthenticated = (body: unknown): Example => ({
  summary: 'Without credentials',
  body,
  credentials: 'none',
  status: 401,
});

const validationRoute = (version: 'v1' | 'v2', kind: Validation): AnyRoute =>
  defineRoute({
    method: 'post',
    path: `/api/${version}/migration/${kind}`,
    summary: `Migration: ${kind === 'validateCustomerAccount' ? 'is this a customer the vendor serves?' : 'is this a subscription the vendor serves?'} (${version})`,
    description:
      "The vendor fields of AppDirect's migration, judged by the product (PRODUCT_DECIDE names " +
      `\`${kind}\`; docs/hooks.md). Without it: CONFIGURATION_ERROR, not supported (the SDK's default).`,
    auth: 'appdirect',
    body: { schema: vendorFieldsSchema, limit: '64kb', required: true, invalid: 'BODY_INVALID' },
    responses: result,
    errors: ['BODY_INVALID', 'DEPENDENCY_UNAVAILABLE'],
    examples: [
      { summary: 'Vendor fields', body: { tenantId: 'legacy-42' }, status: 200 },
      { summary: 'A field that is not text', body: { tenantId: 42 }, status: 400 },
      unauthenticated({ tenantId: 'legacy-42' }),
    ],
    handler:
      (deps) =>
      async ({ body, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        return { status: 200, body: await validateForMigration(deps, kind, body, { receivedAt, logger: req.log }) };
      },
  });

const subscriptionRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'post',
    path: `/api/${version}/migration/subscription`,
    summary: `Migration: bring in a subscription the vendor serves (${version})`,
    description:
      'Accepted by the product (PRODUCT_DECIDE names `migrateSubscription`), the subscription becomes an account ' +
      "(accountIdentifier: the product's, or the subscriptionIdentifier), linked to AppDirect's company and subscription, " +
      'audited (`migration.subscription`) and shown in the admin. Once per partner and subscriptionIdentifier: a repeat ' +
      'gets the same answer.',
    auth: 'appdirect',
    body: {
      schema: migratedSubscriptionSchema.meta({ id: 'MigratedSubscription' }),
      limit: '64kb',
      required: true,
      invalid: 'BODY_INVALID',
    },
    responses: result,
    errors: ['BODY_INVALID', 'DEPENDENCY_UNAVAILABLE'],
    examples: [
      {
        summary: 'A subscription the product does not take',
        body: { partner: 'APPDIRECT', tenantIdentifier: 'legacy-unknown', subscriptionIdentifier: 'sub-unknown' },
        status: 200,
      },
      { summary: 'Without its subscriptionIdentifier', body: { tenantIdentifier: 'legacy-42' }, status: 400 },
      unauthenticated({ tenantIdentifier: 'legacy-42', subscriptionIdentifier: 'sub-1' }),
    ],
    handler:
      (deps) =>
      async ({ body, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const actor = `appdirect:${callerOf(res).principal}`;
        const answer = await migrateSubscription(deps, body, {
          receivedAt,
          logger: req.log,
          actor,
          requestId: req.requestId,
        });
        return { status: 200, body: answer };
      },
  });

export const migrationRoutes: readonly AnyRoute[] = (['v1', 'v2'] as const).flatMap((version) => [
  validationRoute(version, 'validateCustomerAccount'),
  validationRoute(version, 'validateSubscription'),
  subscriptionRoute(version),
]);
