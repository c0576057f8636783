/**
 * POST /api/v1/restrictions and /api/v2/restrictions?partner=<partner>: AppDirect asks, before it sells an
 * operation, whether it is restricted (the SDK's RestrictionController serves both paths with one handler,
 * and so do we: the SDK shows no difference between the versions). Authenticated like the event
 * notification; the JSON body is not part of the OAuth 1.0a base string (it is not form-encoded).
 */
import { z } from 'zod';
import { restrictionInfoSchema, restrictionResponseSchema } from '../../marketplace/restrictions';
import { answerRestrictions } from '../../restrictions/answer';
import { defineRoute, type AnyRoute } from '../route-table/spec';
import { spendNonce } from './spend-nonce';

const APPLICATION = '5b1e0c8e-6a51-4a3c-9d0e-1f2a3b4c5d6e';

const restrictionsRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'post',
    path: `/api/${version}/restrictions`,
    summary: `Is this operation restricted? (AppDirect's restrictions question, ${version})`,
    description:
      'Configure `https://<your-host>/api/v2/restrictions` as the restrictions URL in AppDirect (README, "Connecting AppDirect"). ' +
      "Answered from the account store's rules (docs/errors.md, Restrictions) and, when PRODUCT_DECIDE names `restrictions`, the product's own; " +
      'an empty list: the operation may be sold. v1 and v2 are the same question and answer.',
    auth: 'appdirect',
    query: z.looseObject({
      partner: z.string().min(1).max(255).meta({ description: 'The marketplace partner asking (e.g. APPDIRECT).' }),
    }),
    body: {
      schema: restrictionInfoSchema.meta({ id: 'RestrictionInfo' }),
      limit: '256kb',
      required: true,
      invalid: 'BODY_INVALID',
    },
    responses: {
      200: {
        description: 'The restrictions found (an empty list: none)',
        schema: restrictionResponseSchema.meta({ id: 'RestrictionResponse' }),
      },
    },
    errors: ['BODY_INVALID', 'DEPENDENCY_UNAVAILABLE'],
    examples: [
      {
        summary: 'An initial order by a new company',
        query: { partner: 'APPDIRECT' },
        body: { operation: 'SUBSCRIPTION_ORDER', applicationUuid: APPLICATION, companyUuid: 'a-new-company' },
        status: 200,
      },
      {
        summary: 'A seat change on a subscription',
        given: 'a succeeded event',
        query: { partner: 'APPDIRECT' },
        body: {
          operation: 'SUBSCRIPTION_CHANGE',
          externalVendorId: 'acct-1',
          editionInfo: [
            { editionCode: 'PRO', pricingInfo: [{ quantityInfo: [{ pricingUnit: 'USER', quantity: 20 }] }] },
          ],
        },
        status: 200,
      },
      {
        summary: 'A body without its operation',
        query: { partner: 'APPDIRECT' },
        body: { companyUuid: 'c' },
        status: 400,
      },
      {
        summary: 'Without credentials',
        query: { partner: 'APPDIRECT' },
        body: { operation: 'SUBSCRIPTION_CANCEL', externalVendorId: 'acct-1' },
        credentials: 'none',
        status: 401,
      },
    ],
    handler:
      (deps) =>
      async ({ query, body, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const answer = await answerRestrictions(deps, {
          info: body,
          partner: query.partner,
          receivedAt,
          logger: req.log,
        });
        return { status: 200, body: answer };
      },
  });

export const restrictionRoutes: readonly AnyRoute[] = [restrictionsRoute('v1'), restrictionsRoute('v2')];
