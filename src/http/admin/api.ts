/**
 * The admin JSON API under /admin/api (documented in openapi.ts, served at
 * /admin/api/openapi.json). Every state-changing call writes the audit log.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { accountDetail, searchAccounts } from '../../admin/accounts';
import {
  bulkRetry,
  cancelEvent,
  countRetryable,
  decodeCursor,
  eventDetail,
  EVENT_STATUSES,
  listEvents,
  retryEvent,
  writeAudit,
  type EventFilter,
} from '../../admin/events';
import { productCallsOf, reaskProduct, resendProductCall } from '../../admin/product-calls';
import { AppError } from '../../errors/app-error';
import type { AppDeps } from '../deps';
import { jsonBody, validateBody } from '../middleware/json-body';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { adminNameOf, requireAdmin } from './auth';
import { openApiDocument } from './openapi';

const filterFields = {
  status: z.enum(EVENT_STATUSES).optional(),
  type: z.string().min(1).max(64).optional(),
  accountIdentifier: z.string().min(1).max(200).optional(),
  companyUuid: z.string().min(1).max(200).optional(),
  errorCode: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
};

const listQuery = z.strictObject({
  ...filterFields,
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const bulkRetryBody = z.strictObject({ ...filterFields, dryRun: z.boolean().default(false), max: z.number().int().min(1).max(100_000).default(10_000) });

/** Query parameters are validated field by field: a bad one is a 400 naming it. */
function parseQuery<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(req.query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw new AppError('PARAMETER_INVALID', { name: issue.keys[0] ?? '?', reason: 'not a known filter' });
  throw new AppError('PARAMETER_INVALID', { name: String(issue.path[0] ?? '?'), reason: issue.message });
}

export function adminApiRouter(deps: AppDeps): Router {
  const router = Router();
  const { prisma, producer, config } = deps;
  const auth = requireAdmin(config);
  const json = produces('application/json');
  /** 404 when the event does not exist, else the 409 naming its current status. */
  const refusal = async (token: string, code: 'EVENT_NOT_RETRYABLE' | 'EVENT_NOT_CANCELLABLE'): Promise<AppError> => {
    const event = await prisma.event.findUnique({ where: { token }, select: { status: true } });
    return event ? new AppError(code, { token, status: event.status }) : new AppError('EVENT_NOT_FOUND', { token });
  };
  /** Bulk retries trickle in at this pace (per API call), so they cannot flood the workers. */
  const RETRY_PER_SECOND = 50;

  route(router, '/openapi.json', { get: [json, (_req, res) => void res.json(openApiDocument)] });

  route(router, '/events', {
    get: [
      json,
      auth,
      async (req, res) => {
        const { cursor, limit, ...filter } = parseQuery(listQuery, req);
        const seq = cursor === undefined ? undefined : decodeCursor(cursor);
        if (seq === null) throw new AppError('PARAMETER_INVALID', { name: 'cursor', reason: 'not a cursor this API returned' });
        res.json(await listEvents(prisma, filter, { cursor: seq, limit }));
      },
    ],
  });

  route(router, '/events/retry', {
    post: [
      json,
      jsonBody('16kb'),
      auth,
      validateBody(bulkRetryBody),
      async (req, res) => {
        const { dryRun, max, ...filter } = req.body as z.output<typeof bulkRetryBody>;
        const outcome = dryRun
          ? { matched: await countRetryable(prisma, filter as EventFilter), queued: 0 }
          : await bulkRetry(prisma, producer, filter as EventFilter, { perSecond: RETRY_PER_SECOND, max });
        if (!dryRun) {
          await writeAudit(prisma, { actor: adminNameOf(res), action: 'events.bulk_retry', filter, count: outcome.queued, requestId: req.requestId });
        }
        res.status(dryRun ? 200 : 202).json({ dryRun, ...outcome, perSecond: RETRY_PER_SECOND });
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
      jsonBody('1kb'),
      auth,
      async (req, res) => {
        const token = String(req.params.token);
        const plan = await retryEvent(prisma, producer, token);
        if (!plan) throw await refusal(token, 'EVENT_NOT_RETRYABLE');
        await writeAudit(prisma, { actor: adminNameOf(res), action: `events.retry.${plan}`, target: token, count: 1, requestId: req.requestId });
        res.status(202).json({ token, retry: plan });
      },
    ],
  });

  route(router, '/events/:token/cancel', {
    post: [
      json,
      jsonBody('1kb'),
      auth,
      async (req, res) => {
        const token = String(req.params.token);
        const outcome = await cancelEvent(prisma, producer, token);
        if (outcome !== 'cancelled') throw await refusal(token, 'EVENT_NOT_CANCELLABLE');
        await writeAudit(prisma, { actor: adminNameOf(res), action: 'events.cancel', target: token, count: 1, requestId: req.requestId });
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
        if (!(await prisma.event.findUnique({ where: { token }, select: { seq: true } }))) throw new AppError('EVENT_NOT_FOUND', { token });
        res.json(await productCallsOf(prisma, token));
      },
    ],
  });

  route(router, '/events/:token/product-calls/:id/resend', {
    post: [
      json,
      jsonBody('1kb'),
      auth,
      async (req, res) => {
        const token = String(req.params.token);
        const id = /^\d{1,19}$/.test(String(req.params.id)) ? BigInt(String(req.params.id)) : null;
        if (id === null || !(await resendProductCall(prisma, producer, token, id))) {
          throw new AppError('PRODUCT_CALL_NOT_OWED', { token, id: String(req.params.id) });
        }
        await writeAudit(prisma, { actor: adminNameOf(res), action: 'product_calls.resend', target: `${token}#${id}`, count: 1, requestId: req.requestId });
        res.status(202).json({ token, id: String(id), resent: true });
      },
    ],
  });

  route(router, '/events/:token/product-calls/reask', {
    post: [
      json,
      jsonBody('1kb'),
      auth,
      async (req, res) => {
        const token = String(req.params.token);
        const outcome = await reaskProduct(prisma, producer, token);
        if (!outcome) throw await refusal(token, 'EVENT_NOT_RETRYABLE');
        await writeAudit(prisma, { actor: adminNameOf(res), action: `product_calls.reask.${outcome}`, target: token, count: 1, requestId: req.requestId });
        res.status(202).json({ token, reask: outcome });
      },
    ],
  });

  route(router, '/accounts', {
    get: [
      json,
      auth,
      async (req, res) => {
        const { search } = parseQuery(z.strictObject({ search: z.string().min(1).max(200) }), req);
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
        if (!detail) throw new AppError('ADMIN_ACCOUNT_NOT_FOUND', { accountIdentifier: String(req.params.accountIdentifier) });
        res.json(detail);
      },
    ],
  });
  return router;
}
