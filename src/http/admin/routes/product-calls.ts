/** What operators do about an event's calls to the product: re-send an owed call, re-ask a decision. */
import { z } from 'zod';
import { reaskProduct, resendProductCall } from '../../../admin/product-calls';
import { AppError } from '../../../errors/app-error';
import { pathParam } from '../../input';
import { defineRoute } from '../../route-table/spec';
import { actionContext, EXAMPLE_TOKEN, forceBody, refusalOf, requireQueues, tokenParams } from './common';

export const resendCallRoute = defineRoute({
  method: 'post',
  path: '/events/{token}/product-calls/{id}/resend',
  summary: 'Re-send now a notify call the product has not taken (same webhook-id)',
  auth: 'admin',
  params: tokenParams.extend({ id: pathParam(20).meta({ description: 'The call id (from product-calls).' }) }),
  body: { schema: z.strictObject({}), limit: '1kb' },
  responses: {
    202: {
      description: 'Being sent now, ahead of its backoff (audited in the same transaction)',
      schema: z.object({ token: z.string(), id: z.string(), resent: z.literal(true) }),
    },
  },
  errors: ['PRODUCT_CALL_NOT_OWED', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'An owed call', given: 'an owed product call', params: { token: EXAMPLE_TOKEN, id: '42' }, status: 202 },
    { summary: 'No such call owed', params: { token: 'no-such-event', id: '42' }, status: 409 },
  ],
  handler:
    (deps) =>
    async ({ params: { token, id }, req, res }) => {
      await requireQueues(deps);
      if (!(await resendProductCall(actionContext(deps, req, res), token, id)))
        throw new AppError('PRODUCT_CALL_NOT_OWED', { token, id });
      return { status: 202, body: { token, id, resent: true as const } };
    },
});

export const reaskRoute = defineRoute({
  method: 'post',
  path: '/events/{token}/product-calls/reask',
  summary:
    'Ask the product again: a waiting event now, with a fresh deadline (reasked); a failed or refused one runs again from the start (rerun). Never re-sends a result.',
  auth: 'admin',
  params: tokenParams,
  body: { schema: forceBody, limit: '1kb' },
  responses: {
    202: {
      description: 'What was done (audited in the same transaction)',
      schema: z.object({ token: z.string(), reask: z.enum(['reasked', 'rerun']), forced: z.literal(true).optional() }),
    },
  },
  errors: ['EVENT_NOT_FOUND', 'EVENT_NOT_REASKABLE', 'EVENT_RETRY_NEEDS_FORCE', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'A failed event', given: 'a failed event', params: { token: EXAMPLE_TOKEN }, status: 202 },
    { summary: 'A succeeded event', given: 'a succeeded event', params: { token: EXAMPLE_TOKEN }, status: 409 },
  ],
  handler:
    (deps) =>
    async ({ params: { token }, body: { force }, req, res }) => {
      await requireQueues(deps);
      const outcome = await reaskProduct(actionContext(deps, req, res), token, { force });
      if (!('done' in outcome)) throw refusalOf(token, outcome, 'EVENT_NOT_REASKABLE');
      return {
        status: 202,
        body: { token, reask: outcome.done, ...(outcome.forced ? { forced: true as const } : {}) },
      };
    },
});
