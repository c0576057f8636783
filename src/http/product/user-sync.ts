/**
 * The product tells AppDirect of a user it added or removed itself (issue #27, user sync): the seat is taken or
 * freed in our seat table and the sync stored in one transaction, before the answer; the reports queue delivers
 * it to the account's marketplace once. An Idempotency-Key makes sending it again safe, as for usage.
 */
import { z } from 'zod';
import { acceptUserSync, userSyncSchema } from '../../billing/user-sync';
import { AppError } from '../../errors/app-error';
import { pathParam, safeText } from '../input';
import { instant } from '../route-table/schemas';
import { defineRoute } from '../route-table/spec';

const user = { externalId: 'u-2291', email: 'jo@customer.example', firstName: 'Jo', lastName: 'Park' };

export const userSyncRoute = defineRoute({
  method: 'post',
  path: '/accounts/{accountIdentifier}/user-sync',
  summary: 'Tell AppDirect of a user your product assigned or unassigned itself (the seat changes here too)',
  auth: 'product',
  params: z.object({ accountIdentifier: pathParam() }),
  headers: z.object({
    'idempotency-key': safeText(255).meta({
      description: 'Names this sync: sent again, it is answered as the first time and changes nothing more.',
    }),
  }),
  body: { schema: userSyncSchema, limit: '8kb', required: true },
  responses: {
    202: {
      description:
        'The seat is taken or freed and the sync stored; delivered to AppDirect next (the same answer for the same sync sent again, then with Idempotent-Replayed: true)',
      schema: z
        .object({
          reportId: z.string(),
          idempotencyKey: z.string(),
          accountIdentifier: z.string(),
          acceptedAt: instant,
        })
        .meta({ id: 'AcceptedUserSync' }),
    },
  },
  errors: [
    'PRODUCT_ACCOUNT_NOT_FOUND',
    'PRODUCT_ACCOUNT_NOT_LIVE',
    'MAX_USERS_REACHED',
    'PRODUCT_USER_ALREADY_ASSIGNED',
    'PRODUCT_USER_NOT_FOUND',
    'PRODUCT_OWNER_NOT_UNASSIGNABLE',
    'IDEMPOTENCY_KEY_REUSED',
    'DEPENDENCY_UNAVAILABLE',
  ],
  examples: [
    {
      summary: 'A user added in the product',
      given: 'a succeeded event',
      params: { accountIdentifier: 'acct-7c1d' },
      headers: { 'idempotency-key': 'sync-u-2291-assign' },
      body: { operation: 'assign', user },
      status: 202,
    },
    {
      summary: 'A user who holds no seat',
      given: 'a succeeded event',
      params: { accountIdentifier: 'acct-7c1d' },
      headers: { 'idempotency-key': 'sync-u-404-unassign' },
      body: { operation: 'unassign', user: { ...user, externalId: 'u-404' } },
      status: 404,
    },
    {
      summary: 'No such account',
      params: { accountIdentifier: 'no-such-account' },
      headers: { 'idempotency-key': 'sync-unknown-account' },
      body: { operation: 'assign', user },
      status: 404,
    },
  ],
  handler:
    (deps) =>
    async ({ params: { accountIdentifier }, headers, body }) => {
      const key = headers['idempotency-key'];
      const outcome = await acceptUserSync(deps.prisma, {
        accountId: accountIdentifier,
        idempotencyKey: key,
        sync: body,
      });
      const params = { accountIdentifier };
      switch (outcome.outcome) {
        case 'account_not_found':
          throw new AppError('PRODUCT_ACCOUNT_NOT_FOUND', params);
        case 'account_not_live':
          throw new AppError('PRODUCT_ACCOUNT_NOT_LIVE', { ...params, status: outcome.status });
        case 'max_users_reached':
          throw new AppError('MAX_USERS_REACHED', { ...params, maxUsers: String(outcome.maxUsers) });
        case 'already_assigned':
          throw new AppError('PRODUCT_USER_ALREADY_ASSIGNED', params);
        case 'user_not_found':
          throw new AppError('PRODUCT_USER_NOT_FOUND', params);
        case 'owner':
          throw new AppError('PRODUCT_OWNER_NOT_UNASSIGNABLE', params);
        case 'key_reused':
          throw new AppError('IDEMPOTENCY_KEY_REUSED', { key, reportId: outcome.report.id.toString() });
      }
      const { report } = outcome;
      const answer = {
        reportId: report.id.toString(),
        idempotencyKey: report.idempotencyKey,
        accountIdentifier: report.accountId,
        acceptedAt: report.createdAt,
      };
      if (outcome.outcome === 'replayed')
        return { status: 202 as const, body: answer, headers: { 'Idempotent-Replayed': 'true' } };
      return {
        status: 202 as const,
        body: answer,
        after: () =>
          void deps.producer
            .enqueueReport(report.id)
            .catch((error: unknown) =>
              deps.logger.warn(
                { err: (error as Error).message, reportId: report.id.toString() },
                'could not enqueue the user sync; the sweeper will',
              ),
            ),
      };
    },
});
