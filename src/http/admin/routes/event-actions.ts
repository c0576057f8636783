/**
 * What operators do to events: run again, re-send the result, the usual remedy, by filter or one event;
 * cancel. Each refuses before changing anything while Redis is away, and writes its audit row with the change.
 */
import { z } from 'zod';
import {
  bulkRetry,
  cancelEvent,
  countRetryable,
  RETRY_ACTIONS,
  retryEvent,
  type RetryPlan,
} from '../../../admin/event-actions';
import type { EventFilter } from '../../../admin/events';
import { AppError } from '../../../errors/app-error';
import type { HttpErrorCode } from '../../../errors/catalogue';
import { defineRoute } from '../../route-table/spec';
import { bulkRetryAnswer } from '../schemas/events';
import { actionContext, EXAMPLE_TOKEN, filterFields, forceBody, refusalOf, requireQueues, tokenParams } from './common';

/** Bulk retries trickle in at this pace (per API call), so they cannot flood the workers. */
const RETRY_PER_SECOND = 50;

export const bulkRetryBody = z.strictObject({
  ...filterFields,
  action: z.enum(RETRY_ACTIONS).optional().meta({
    description:
      'rerun: every failed or refused event; resend_result: every event whose result delivery failed for good. Absent: each its usual remedy.',
  }),
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false).meta({
    description:
      'Also re-run events whose failure AppDirect already received (it gets a second result); skipped and counted in needsForce otherwise.',
  }),
  max: z.number().int().min(1).max(100_000).default(10_000),
});

/** Refusals every action on one event may answer besides its own. */
const ACTION_ERRORS: readonly HttpErrorCode[] = ['EVENT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'];

export const bulkRetryRoute = defineRoute({
  method: 'post',
  path: '/events/retry',
  summary:
    'Run again (action rerun), or re-send the results of (action resend_result), every event matching a filter; without action, each its usual remedy. Paced.',
  auth: 'admin',
  body: { schema: bulkRetryBody, limit: '16kb', required: true },
  responses: {
    200: { description: 'Dry run: how many would be retried', schema: bulkRetryAnswer },
    202: { description: 'Queued, at most perSecond per second (audited per batch of 200)', schema: bulkRetryAnswer },
  },
  errors: ['BULK_RETRY_INTERRUPTED', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'Count what a rerun would run', body: { status: 'failed', action: 'rerun', dryRun: true }, status: 200 },
    {
      summary: 'Re-send the results of matching events',
      body: { errorCode: 'NO_SUCH_CODE', action: 'resend_result' },
      status: 202,
    },
    { summary: 'An unknown field', body: { colour: 'blue' }, status: 422 },
  ],
  handler:
    (deps) =>
    async ({ body, req, res }) => {
      const { dryRun, max, force, action, ...filter } = body;
      if (dryRun) {
        const counted = await countRetryable(deps.prisma, filter as EventFilter, action);
        return {
          status: 200,
          body: { dryRun, action: action ?? null, ...counted, queued: 0, needsForce: 0, perSecond: RETRY_PER_SECOND },
        };
      }
      await requireQueues(deps);
      const options = { perSecond: RETRY_PER_SECOND, max, force, action };
      const outcome = await bulkRetry(actionContext(deps, req, res), filter as EventFilter, options);
      return { status: 202, body: { dryRun, action: action ?? null, ...outcome, perSecond: RETRY_PER_SECOND } };
    },
});

export const retryEventRoute = defineRoute({
  method: 'post',
  path: '/events/{token}/retry',
  summary: "The event's usual remedy: run it again, or re-send its result (prefer /rerun or /resend-result)",
  description:
    'Kept for scripts that do not name the intent. A failed event runs again, whatever became of its result; any other event whose result delivery failed for good (succeeded, refused, cancelled) gets it re-sent; a refused event whose answer AppDirect has runs again with force. The answer says which (retry), and so does the audit row.',
  auth: 'admin',
  params: tokenParams,
  body: { schema: forceBody, limit: '1kb' },
  responses: {
    202: {
      description: 'What is being done',
      schema: z.object({ token: z.string(), retry: z.enum(RETRY_ACTIONS), forced: z.literal(true).optional() }),
    },
  },
  errors: [...ACTION_ERRORS, 'EVENT_NOT_RETRYABLE', 'EVENT_RETRY_NEEDS_FORCE'],
  examples: [
    { summary: 'A failed event', given: 'a failed event', params: { token: EXAMPLE_TOKEN }, status: 202 },
    { summary: 'A succeeded event', given: 'a succeeded event', params: { token: EXAMPLE_TOKEN }, status: 409 },
  ],
  handler:
    (deps) =>
    async ({ params: { token }, body: { force }, req, res }) => {
      await requireQueues(deps);
      const outcome = await retryEvent(actionContext(deps, req, res), token, { force });
      if (!('done' in outcome)) throw refusalOf(token, outcome, 'EVENT_NOT_RETRYABLE');
      return {
        status: 202,
        body: { token, retry: outcome.done, ...(outcome.forced ? { forced: true as const } : {}) },
      };
    },
});

/** One intent on one event: rerun (run it again) or resend_result (re-send its stored result). */
function intentRoute(action: RetryPlan) {
  const rerun = action === 'rerun';
  return defineRoute({
    method: 'post',
    path: rerun ? '/events/{token}/rerun' : '/events/{token}/resend-result',
    summary: rerun
      ? 'Run a failed or refused event again, from the fetch (audited as events.retry.rerun[.forced])'
      : "Re-send the event's stored result to AppDirect, when its delivery failed for good; the event is not run again (audited as events.retry.resend_result)",
    auth: 'admin',
    params: tokenParams,
    body: { schema: rerun ? forceBody : z.strictObject({}), limit: '1kb' },
    responses: {
      202: {
        description: rerun ? 'Running again' : 'Re-sending the result',
        schema: z.object({ token: z.string(), action: z.literal(action), forced: z.literal(true).optional() }),
      },
    },
    errors: [...ACTION_ERRORS, rerun ? 'EVENT_NOT_RERUNNABLE' : 'RESULT_NOT_RESENDABLE', 'EVENT_RETRY_NEEDS_FORCE'],
    examples: [
      rerun
        ? { summary: 'A failed event', given: 'a failed event', params: { token: EXAMPLE_TOKEN }, status: 202 }
        : {
            summary: 'A result AppDirect refused',
            given: 'an undelivered result',
            params: { token: EXAMPLE_TOKEN },
            status: 202,
          },
      { summary: 'A succeeded event', given: 'a succeeded event', params: { token: EXAMPLE_TOKEN }, status: 409 },
    ],
    handler:
      (deps) =>
      async ({ params: { token }, body, req, res }) => {
        await requireQueues(deps);
        const force = 'force' in body ? body.force : false;
        const outcome = await retryEvent(actionContext(deps, req, res), token, { force, action });
        if (!('done' in outcome))
          throw refusalOf(token, outcome, rerun ? 'EVENT_NOT_RERUNNABLE' : 'RESULT_NOT_RESENDABLE');
        return { status: 202, body: { token, action, ...(outcome.forced ? { forced: true as const } : {}) } };
      },
  });
}
export const rerunRoute = intentRoute('rerun');
export const resendResultRoute = intentRoute('resend_result');

export const cancelRoute = defineRoute({
  method: 'post',
  path: '/events/{token}/cancel',
  summary: 'Stop an unfinished event and report OPERATION_CANCELLED to AppDirect',
  auth: 'admin',
  params: tokenParams,
  body: { schema: z.strictObject({}), limit: '1kb' },
  responses: {
    202: {
      description: 'Cancelled (audited); OPERATION_CANCELLED is reported to AppDirect',
      schema: z.object({
        token: z.string(),
        status: z.literal('cancelled'),
        reported: z.literal('OPERATION_CANCELLED'),
      }),
    },
  },
  errors: [...ACTION_ERRORS, 'EVENT_NOT_CANCELLABLE'],
  examples: [
    { summary: 'An event still queued', given: 'an unfinished event', params: { token: EXAMPLE_TOKEN }, status: 202 },
    { summary: 'A finished event', given: 'a succeeded event', params: { token: EXAMPLE_TOKEN }, status: 409 },
  ],
  handler:
    (deps) =>
    async ({ params: { token }, req, res }) => {
      await requireQueues(deps);
      if ((await cancelEvent(actionContext(deps, req, res), token)) !== 'cancelled') {
        const event = await deps.prisma.event.findUnique({ where: { token }, select: { status: true } });
        throw event
          ? new AppError('EVENT_NOT_CANCELLABLE', { token, status: event.status })
          : new AppError('EVENT_NOT_FOUND', { token });
      }
      return { status: 202, body: { token, status: 'cancelled' as const, reported: 'OPERATION_CANCELLED' as const } };
    },
});
