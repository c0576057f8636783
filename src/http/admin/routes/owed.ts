/**
 * What the installation still owes, as the admin page lists it (/admin/deliveries, /admin/hooks): results
 * AppDirect has not received and calls to the product not done, oldest first, with the page's filter (state).
 */
import { z } from 'zod';
import { encodeCursor } from '../../../admin/events';
import { listHookCalls, listUndeliveredResults } from '../../../admin/owed';
import { AppError } from '../../../errors/app-error';
import { BIGINT_MAX, decodeSeqCursor, strictInt } from '../../input';
import { defineRoute } from '../../route-table/spec';
import { deliveryState, owedProductCalls, productCallState, undeliveredResults } from '../schemas/accounts';

const pageFields = {
  cursor: z.string().max(64).optional().meta({ description: 'nextCursor of the previous page.' }),
  limit: strictInt(1, 200).optional().meta({ type: 'integer', minimum: 1, maximum: 200, default: 200 }),
};

const badCursor = () => new AppError('PARAMETER_INVALID', { name: 'cursor', reason: 'not a cursor this API returned' });

/** A delivery cursor: base64url of `<createdAt ms>.<id>` of the last item of a page. */
const deliveryCursor = (item: { createdAt: Date; id: string }): string =>
  Buffer.from(`${item.createdAt.getTime()}.${item.id}`).toString('base64url');

function readDeliveryCursor(cursor: string): { createdAt: Date; id: bigint } {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.([1-9]\d{0,18})$/.exec(text);
  if (!match || BigInt(match[2]!) > BIGINT_MAX) throw badCursor();
  return { createdAt: new Date(Number(match[1])), id: BigInt(match[2]!) };
}

export const undeliveredResultsRoute = defineRoute({
  method: 'get',
  path: '/deliveries',
  summary: 'Results AppDirect has not received, oldest first',
  description: 'The admin page lists the same at /admin/deliveries; the overview counts them (needsAction).',
  auth: 'admin',
  query: z.strictObject({ state: deliveryState.default('failed'), ...pageFields }),
  responses: { 200: { description: 'A page of undelivered results', schema: undeliveredResults } },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'Failed for good', given: 'an undelivered result', query: { state: 'failed' }, status: 200 },
    { summary: 'An unknown state', query: { state: 'lost' }, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { state, cursor, limit = 200 } }) => {
      const after = cursor === undefined ? undefined : readDeliveryCursor(cursor);
      const rows = await listUndeliveredResults(deps.prisma, state, limit + 1, after);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { status: 200, body: { items, nextCursor: rows.length > limit && last ? deliveryCursor(last) : null } };
    },
});

export const owedProductCallsRoute = defineRoute({
  method: 'get',
  path: '/product-calls',
  summary: "Calls to the product's provisioning hooks not done, oldest first",
  description: 'The admin page lists the same at /admin/hooks; the overview counts them (needsAction).',
  auth: 'admin',
  query: z.strictObject({ state: productCallState.default('failing'), ...pageFields }),
  responses: { 200: { description: 'A page of calls not done', schema: owedProductCalls } },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'Failing calls', given: 'an owed product call', query: { state: 'failing' }, status: 200 },
    { summary: 'An unknown state', query: { state: 'broken' }, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { state, cursor, limit = 200 } }) => {
      const after = cursor === undefined ? undefined : decodeSeqCursor(cursor);
      if (after === null) throw badCursor();
      const rows = await listHookCalls(deps.prisma, state, limit + 1, after);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        status: 200,
        body: { items, nextCursor: rows.length > limit && last ? encodeCursor(BigInt(last.id)) : null },
      };
    },
});
