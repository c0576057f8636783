/**
 * The product API's routes: read accounts (with users and add-ons) by identifier or company; complete a
 * decision the product answered `pending`, idempotently.
 */
import { z } from 'zod';
import { productAccount, productAccountsOfCompany } from '../../accounts/product-view';
import { AppError } from '../../errors/app-error';
import { completeProductDecision } from '../../inbox/transitions';
import { pathParam, safeText } from '../input';
import { defineRoute } from '../route-table/spec';
import { completion, productAccount as productAccountSchema } from './schemas';

export const companyAccountsRoute = defineRoute({
  method: 'get',
  path: '/accounts',
  summary: "A company's accounts, newest first (a cancelled one and its re-subscription are both listed)",
  auth: 'product',
  query: z.strictObject({ companyUuid: safeText(200) }),
  responses: {
    200: {
      description: 'The accounts (none: an empty list)',
      schema: z.object({ items: z.array(productAccountSchema) }),
    },
  },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    {
      summary: "A company's accounts",
      given: 'a succeeded event',
      query: { companyUuid: 'd1f7c4a2-company' },
      status: 200,
    },
    { summary: 'Without companyUuid', query: {}, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { companyUuid } }) => ({
      status: 200,
      body: { items: await productAccountsOfCompany(deps.prisma, companyUuid) },
    }),
});

export const productAccountRoute = defineRoute({
  method: 'get',
  path: '/accounts/{accountIdentifier}',
  summary: 'An account with its users and add-ons',
  auth: 'product',
  params: z.object({ accountIdentifier: pathParam() }),
  responses: { 200: { description: 'The account', schema: productAccountSchema } },
  errors: ['PRODUCT_ACCOUNT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'An account', given: 'a succeeded event', params: { accountIdentifier: 'acct-7c1d' }, status: 200 },
    { summary: 'No such account', params: { accountIdentifier: 'no-such-account' }, status: 404 },
  ],
  handler:
    (deps) =>
    async ({ params: { accountIdentifier } }) => {
      const account = await productAccount(deps.prisma, accountIdentifier);
      if (!account) throw new AppError('PRODUCT_ACCOUNT_NOT_FOUND', { accountIdentifier });
      return { status: 200, body: account };
    },
});

export const completeDecisionRoute = defineRoute({
  method: 'post',
  path: '/decisions/{eventToken}',
  summary: 'Complete a decision the product answered pending (the same completion again is answered the same)',
  auth: 'product',
  params: z.object({ eventToken: pathParam(512).meta({ description: 'The eventToken of the decide call.' }) }),
  body: { schema: completion, limit: '8kb', required: true },
  responses: {
    202: {
      description: 'Stored; the event is applied with it now (its result follows)',
      schema: z.object({
        eventToken: z.string(),
        completion: z.enum(['completed', 'already_completed']),
        decision: completion,
      }),
    },
  },
  errors: ['PRODUCT_EVENT_NOT_FOUND', 'DECISION_NOT_AWAITED', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    {
      summary: 'Accept a pending order',
      given: 'a pending decision',
      params: { eventToken: '5f0c9a52-3b1e-4d7a-8e26-9c4f1b7d2a60' },
      body: { decision: 'accept', accountIdentifier: 'tenant-42' },
      status: 202,
    },
    { summary: 'No such event', params: { eventToken: 'no-such-event' }, body: { decision: 'accept' }, status: 404 },
    { summary: 'Not a decision', params: { eventToken: 'no-such-event' }, body: { decision: 'maybe' }, status: 422 },
  ],
  handler:
    (deps) =>
    async ({ params: { eventToken: token }, body: decision, req }) => {
      const outcome = await completeProductDecision(deps.prisma, token, decision);
      if (outcome === 'not_found') throw new AppError('PRODUCT_EVENT_NOT_FOUND', { token });
      if (outcome === 'not_awaiting')
        throw new AppError('DECISION_NOT_AWAITED', {
          token,
          reason: 'it was not answered pending, is finished, or was completed differently',
        });
      // The event runs again now and applies the decision (its delayed job would otherwise wait its turn).
      await deps.producer
        .promoteEvent(token)
        .catch((error: unknown) =>
          req.log.warn({ err: (error as Error).message, token }, 'could not wake the event; its delay will'),
        );
      return { status: 202, body: { eventToken: token, completion: outcome, decision } };
    },
});
