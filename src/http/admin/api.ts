/**
 * The admin JSON API under /admin/api (documented in openapi.ts, served at
 * /admin/api/openapi.json). Every state-changing call writes the audit log.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { accountDetail, searchAccounts } from '../../admin/accounts';
import type { ActionContext } from '../../admin/context';
import {
  bulkRetry,
  cancelEvent,
  countRetryable,
  RETRY_ACTIONS,
  retryEvent,
  type ActionOutcome,
  type RetryPlan,
} from '../../admin/event-actions';
import { eventDetail, EVENT_STATUSES, listEvents, type EventFilter } from '../../admin/events';
import { productCallsOf, reaskProduct, resendProductCall } from '../../admin/product-calls';
import { AppError } from '../../errors/app-error';
import type { AppDeps } from '../deps';
import { decodeSeqCursor, isoInstant, parseQueryParams, pathText, safeText, strictInt } from '../input';
import { RETRY_AFTER_SECONDS } from '../middleware/errors';
import { jsonBody, validateBody } from '../middleware/json-body';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { adminNameOf, requireAdmin } from './auth';
import { openApiDocument } from './openapi';

const filterFields = {
  status: z.enum(EVENT_STATUSES).optional(),
  type: safeText(64).optional(),
  accountIdentifier: safeText(200).optional(),
  companyUuid: safeText(200).optional(),
  errorCode: safeText(64).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
};

const listQuery = z.strictObject({
  ...filterFields,
  cursor: z.string().max(64).optional(),
  limit: strictInt(1, 200).optional(),
});

export const bulkRetryBody = z.strictObject({
  ...filterFields,
  /** rerun: run each again; resend_result: re-send each result; absent: each event's usual remedy. */
  action: z.enum(RETRY_ACTIONS).optional(),
  dryRun: z.boolean().default(false),
  /** Also re-run events whose failure AppDirect already received (it gets a second result). */
  force: z.boolean().default(false),
  max: z.number().int().min(1).max(100_000).default(10_000),
});

/** Retry or re-ask of one event: `force` runs it again even though AppDirect already received its answer. */
const forceBody = z.strictObject({ force: z.boolean().default(false) });

/** How a result's delivery reads in a refusal ("The result of event 'x' is delivered"). */
const DELIVERY_TEXT: Record<string, string> = {
  delivered: 'delivered',
  pending: 'still being delivered',
  not_required: 'in the notification answer (nothing to deliver)',
};

/**
 * The answer to an action that did nothing: 404 for no such event, else the 409 that says why. `notApplicable`
 * is the action's own refusal (it names the state the event was found in, under its lock).
 */
function refusalOf(
  token: string,
  outcome: Exclude<ActionOutcome<string>, { done: string }>,
  notApplicable: 'EVENT_NOT_RETRYABLE' | 'EVENT_NOT_REASKABLE' | 'EVENT_NOT_RERUNNABLE' | 'RESULT_NOT_RESENDABLE',
): AppError {
  if (outcome.refused === 'not_found') return new AppError('EVENT_NOT_FOUND', { token });
  if (outcome.refused === 'needs_force') return new AppError('EVENT_RETRY_NEEDS_FORCE', { token });
  if (notApplicable === 'RESULT_NOT_RESENDABLE') {
    const delivery = outcome.deliveryStatus
      ? (DELIVERY_TEXT[outcome.deliveryStatus] ?? outcome.deliveryStatus)
      : `not written yet (the event is ${outcome.status})`;
    return new AppError(notApplicable, { token, delivery });
  }
  return new AppError(notApplicable, { token, status: outcome.status });
}

/**
 * Admin actions change the database and then enqueue. With Redis away they would commit and then fail
 * (the jobs missing until the sweeper runs), so they are refused first: 503 with Retry-After, nothing changed.
 */
async function requireQueues(deps: AppDeps): Promise<void> {
  try {
    await deps.redis.ping();
  } catch (error) {
    throw new AppError(
      'DEPENDENCY_UNAVAILABLE',
      { dependency: 'Redis' },
      { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, cause: error },
    );
  }
}

export function adminApiRouter(deps: AppDeps): Router {
  const router = Router();
  const { prisma, producer, config } = deps;
  const auth = requireAdmin(config);
  const json = produces('application/json');
  /** 404 when the event does not exist, else the 409 naming its current status. */
  const notCancellable = async (token: string): Promise<AppError> => {
    const event = await prisma.event.findUnique({ where: { token }, select: { status: true } });
    return event
      ? new AppError('EVENT_NOT_CANCELLABLE', { token, status: event.status })
      : new AppError('EVENT_NOT_FOUND', { token });
  };
  /** The admin who asks, for the action's audit row, and the request's logger. */
  const actionContext = (req: Request, res: Response): ActionContext => ({
    prisma,
    queues: producer,
    by: { actor: adminNameOf(res), requestId: req.requestId },
    logger: req.log,
  });
  /** Bulk retries trickle in at this pace (per API call), so they cannot flood the workers. */
  const RETRY_PER_SECOND = 50;

  // Path parameters reach queries: refuse what PostgreSQL cannot compare before any handler runs.
  router.param('token', (_req, _res, next, value: unknown) => {
    pathText('token', value);
    next();
  });
  router.param('accountIdentifier', (_req, _res, next, value: unknown) => {
    pathText('accountIdentifier', value);
    next();
  });

  route(router, '/openapi.json', { get: [json, (_req, res) => void res.json(openApiDocument)] });

  route(router, '/events', {
    get: [
      json,
      auth,
      async (req, res) => {
        const { cursor, limit = 50, ...filter } = parseQueryParams(listQuery, req.query);
        const seq = cursor === undefined ? undefined : decodeSeqCursor(cursor);
        if (seq === null)
          throw new AppError('PARAMETER_INVALID', { name: 'cursor', reason: 'not a cursor this API returned' });
        res.json(await listEvents(prisma, filter, { cursor: seq, limit }));
      },
    ],
  });

  route(router, '/events/retry', {
    post: [
      json,
      auth,
      jsonBody('16kb'),
      validateBody(bulkRetryBody),
      async (req, res) => {
        const { dryRun, max, force, action, ...filter } = req.body as z.output<typeof bulkRetryBody>;
        if (!dryRun) await requireQueues(deps);
        const outcome = dryRun
          ? { ...(await countRetryable(prisma, filter as EventFilter, action)), queued: 0, needsForce: 0 }
          : await bulkRetry(actionContext(req, res), filter as EventFilter, {
              perSecond: RETRY_PER_SECOND,
              max,
              force,
              action,
            });
        res
          .status(dryRun ? 200 : 202)
          .json({ dryRun, action: action ?? null, ...outcome, perSecond: RETRY_PER_SECOND });
      },
    ],
  });

  route(router, '/events/:token', {
    get: [
      json,
      auth,
      async (req, res) => {
        const detail = await eventDetail(prisma, String(req.params.token));
        if (!detail) throw new AppError('EVENT_NOT_FOUND', { token: String(req.params.token) });
        res.json(detail);
      },
    ],
  });

  route(router, '/events/:token/retry', {
    post: [
      json,
      auth,
      jsonBody('1kb'),
      validateBody(forceBody),
      async (req, res) => {
        const token = String(req.params.token);
        const { force } = req.body as z.output<typeof forceBody>;
        await requireQueues(deps);
        const outcome = await retryEvent(actionContext(req, res), token, { force });
        if (!('done' in outcome)) throw refusalOf(token, outcome, 'EVENT_NOT_RETRYABLE');
        res.status(202).json({ token, retry: outcome.done, ...(outcome.forced ? { forced: true } : {}) });
      },
    ],
  });

  /** One intent on one event: rerun (run it again) or resend_result (re-send its stored result). */
  const intent = (action: RetryPlan, body: z.ZodType, refusal: 'EVENT_NOT_RERUNNABLE' | 'RESULT_NOT_RESENDABLE') => ({
    post: [
      json,
      auth,
      jsonBody('1kb'),
      validateBody(body),
      async (req: Request, res: Response) => {
        const token = String(req.params.token);
        const { force = false } = req.body as { force?: boolean };
        await requireQueues(deps);
        const outcome = await retryEvent(actionContext(req, res), token, { force, action });
        if (!('done' in outcome)) throw refusalOf(token, outcome, refusal);
        res.status(202).json({ token, action: outcome.done, ...(outcome.forced ? { forced: true } : {}) });
      },
    ],
  });
  route(router, '/events/:token/rerun', intent('rerun', forceBody, 'EVENT_NOT_RERUNNABLE'));
  route(router, '/events/:token/resend-result', intent('resend_result', z.strictObject({}), 'RESULT_NOT_RESENDABLE'));

  route(router, '/events/:token/cancel', {
    post: [
      json,
      auth,
      jsonBody('1kb'),
      async (req, res) => {
        const token = String(req.params.token);
        await requireQueues(deps);
        const outcome = await cancelEvent(actionContext(req, res), token);
        if (outcome !== 'cancelled') throw await notCancellable(token);
        res.status(202).json({ token, status: 'cancelled', reported: 'OPERATION_CANCELLED' });
      },
    ],
  });

  route(router, '/events/:token/product-calls', {
    get: [
      json,
      auth,
      async (req, res) => {
        const token = String(req.params.token);
        if (!(await prisma.event.findUnique({ where: { token }, select: { seq: true } })))
          throw new AppError('EVENT_NOT_FOUND', { token });
        res.json(await productCallsOf(prisma, token));
      },
    ],
  });

  route(router, '/events/:token/product-calls/:id/resend', {
    post: [
      json,
      auth,
      jsonBody('1kb'),
      async (req, res) => {
        const token = String(req.params.token);
        await requireQueues(deps);
        const id = String(req.params.id);
        if (!(await resendProductCall(actionContext(req, res), token, id))) {
          throw new AppError('PRODUCT_CALL_NOT_OWED', { token, id });
        }
        res.status(202).json({ token, id, resent: true });
      },
    ],
  });

  route(router, '/events/:token/product-calls/reask', {
    post: [
      json,
      auth,
      jsonBody('1kb'),
      validateBody(forceBody),
      async (req, res) => {
        const token = String(req.params.token);
        const { force } = req.body as z.output<typeof forceBody>;
        await requireQueues(deps);
        const outcome = await reaskProduct(actionContext(req, res), token, { force });
        if (!('done' in outcome)) throw refusalOf(token, outcome, 'EVENT_NOT_REASKABLE');
        res.status(202).json({ token, reask: outcome.done, ...(outcome.forced ? { forced: true } : {}) });
      },
    ],
  });

  route(router, '/accounts', {
    get: [
      json,
      auth,
      async (req, res) => {
        const { search } = parseQueryParams(z.strictObject({ search: safeText(200) }), req.query);
        res.json({ items: await searchAccounts(prisma, search) });
      },
    ],
  });

  route(router, '/accounts/:accountIdentifier', {
    get: [
      json,
      auth,
      async (req, res) => {
        const detail = await accountDetail(prisma, String(req.params.accountIdentifier));
        if (!detail)
          throw new AppError('ADMIN_ACCOUNT_NOT_FOUND', { accountIdentifier: String(req.params.accountIdentifier) });
        res.json(detail);
      },
    ],
  });
  return router;
}
