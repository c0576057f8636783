/** Reading events: the filtered list, one event with its history, its calls to the product. */
import { z } from 'zod';
import { eventDetail, listEvents } from '../../../admin/events';
import { productCallsOf } from '../../../admin/product-calls';
import { AppError } from '../../../errors/app-error';
import { decodeSeqCursor, strictInt } from '../../input';
import { defineRoute } from '../../route-table/spec';
import { eventDetail as eventDetailSchema, eventPage, productCalls } from '../schemas/events';
import { EXAMPLE_TOKEN, filterFields, tokenParams } from './common';

const listQuery = z.strictObject({
  ...filterFields,
  cursor: z.string().max(64).optional().meta({ description: 'nextCursor of the previous page.' }),
  limit: strictInt(1, 200).optional().meta({ type: 'integer', minimum: 1, maximum: 200, default: 50 }),
});

export const listEventsRoute = defineRoute({
  method: 'get',
  path: '/events',
  summary: 'List events, newest first',
  description: 'Filters are matched as written (`%`, `_` and quotes are characters); a page is stable under inserts.',
  auth: 'admin',
  query: listQuery,
  responses: { 200: { description: 'A page of events', schema: eventPage } },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    {
      summary: 'Failed events with TRANSPORT_ERROR',
      query: { status: 'failed', errorCode: 'TRANSPORT_ERROR' },
      status: 200,
    },
    { summary: 'An unknown status', query: { status: 'sideways' }, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query }) => {
      const { cursor, limit = 50, ...filter } = query;
      const seq = cursor === undefined ? undefined : decodeSeqCursor(cursor);
      if (seq === null)
        throw new AppError('PARAMETER_INVALID', { name: 'cursor', reason: 'not a cursor this API returned' });
      return { status: 200, body: await listEvents(deps.prisma, filter, { cursor: seq, limit }) };
    },
});

export const showEventRoute = defineRoute({
  method: 'get',
  path: '/events/{token}',
  summary: 'An event: payload, attempt timeline, result and result-delivery attempts',
  auth: 'admin',
  params: tokenParams,
  responses: { 200: { description: 'The event', schema: eventDetailSchema } },
  errors: ['EVENT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'An event', given: 'a succeeded event', params: { token: EXAMPLE_TOKEN }, status: 200 },
    { summary: 'No such event', params: { token: 'no-such-event' }, status: 404 },
  ],
  handler:
    (deps) =>
    async ({ params: { token } }) => {
      const detail = await eventDetail(deps.prisma, token);
      if (!detail) throw new AppError('EVENT_NOT_FOUND', { token });
      return { status: 200, body: detail };
    },
});

export const eventProductCallsRoute = defineRoute({
  method: 'get',
  path: '/events/{token}/product-calls',
  summary:
    "The event's calls to the vendor product, each with its attempts (request id, status, latency, answer or error), and its decide attempts",
  auth: 'admin',
  params: tokenParams,
  responses: { 200: { description: 'Calls and decide attempts', schema: productCalls } },
  errors: ['EVENT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    {
      summary: 'A call the product has not taken',
      given: 'an owed product call',
      params: { token: EXAMPLE_TOKEN },
      status: 200,
    },
    { summary: 'No such event', params: { token: 'no-such-event' }, status: 404 },
  ],
  handler:
    (deps) =>
    async ({ params: { token } }) => {
      if (!(await deps.prisma.event.findUnique({ where: { token }, select: { seq: true } })))
        throw new AppError('EVENT_NOT_FOUND', { token });
      return { status: 200, body: await productCallsOf(deps.prisma, token) };
    },
});
