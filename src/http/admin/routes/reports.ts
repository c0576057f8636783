/**
 * The product's reports to the marketplace (usage to bill, user sync) for operators: list them by state, show
 * one with its attempts, re-send one, cancel one (each action audited).
 */
import { z } from 'zod';
import { encodeCursor } from '../../../admin/events';
import {
  cancelReport,
  listReports,
  REPORT_KINDS,
  REPORT_STATES,
  reportIdOf,
  resendReport,
  showReport,
  type ReportAction,
} from '../../../admin/reports';
import { AppError } from '../../../errors/app-error';
import { decodeSeqCursor, pathParam, safeText, strictInt } from '../../input';
import { instant } from '../../route-table/schemas';
import { defineRoute } from '../../route-table/spec';
import { actionContext, requireQueues } from './common';

/** The id the examples use; the contract test puts the one of the state an example names in its place. */
const EXAMPLE_ID = '17';

const reportItem = z
  .object({
    id: z.string(),
    kind: z.enum(REPORT_KINDS),
    accountIdentifier: z.string(),
    addonInstanceId: z.string().nullable(),
    idempotencyKey: z.string(),
    status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: instant,
    deliveredAt: instant.nullable(),
  })
  .meta({ id: 'Report' });

const idParams = z.object({ id: pathParam(20).meta({ description: 'The report id (reportId of the product API).' }) });

const notFound = (id: string) => new AppError('REPORT_NOT_FOUND', { id });

function refusal(
  id: string,
  outcome: Exclude<ReportAction, { done: true }>,
  code: 'REPORT_NOT_RESENDABLE' | 'REPORT_NOT_CANCELLABLE',
) {
  return outcome.refused === 'not_found' ? notFound(id) : new AppError(code, { id, status: outcome.status });
}

export const listReportsRoute = defineRoute({
  method: 'get',
  path: '/reports',
  summary: "The product's reports to the marketplace (usage, user sync) in a state, oldest first",
  description: 'The overview counts those not delivered (needsAction.undeliveredReports).',
  auth: 'admin',
  query: z.strictObject({
    state: z
      .enum(REPORT_STATES)
      .default('failed')
      .meta({ description: 'failed: for good; retrying: pending after a failed attempt; pending: every one owed' }),
    kind: z.enum(REPORT_KINDS).optional(),
    accountIdentifier: safeText(200).optional(),
    cursor: z.string().max(64).optional().meta({ description: 'nextCursor of the previous page.' }),
    limit: strictInt(1, 200).optional().meta({ type: 'integer', minimum: 1, maximum: 200, default: 200 }),
  }),
  responses: {
    200: {
      description: 'A page of reports',
      schema: z.object({ items: z.array(reportItem), nextCursor: z.string().nullable() }),
    },
  },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'Failed reports', given: 'a failed report', query: { state: 'failed' }, status: 200 },
    { summary: 'An unknown state', query: { state: 'lost' }, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { state, kind, accountIdentifier, cursor, limit = 200 } }) => {
      const after = cursor === undefined ? undefined : decodeSeqCursor(cursor);
      if (after === null)
        throw new AppError('PARAMETER_INVALID', { name: 'cursor', reason: 'not a cursor this API returned' });
      const rows = await listReports(deps.prisma, { state, kind, accountIdentifier }, limit + 1, after);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        status: 200,
        body: { items, nextCursor: rows.length > limit && last ? encodeCursor(BigInt(last.id)) : null },
      };
    },
});

export const showReportRoute = defineRoute({
  method: 'get',
  path: '/reports/{id}',
  summary: 'A report: what the product sent, where it stands, every attempt at delivering it',
  auth: 'admin',
  params: idParams,
  responses: {
    200: {
      description: 'The report',
      schema: reportItem.extend({
        report: z.unknown().meta({ description: 'The report as the product sent it (decimals as text).' }),
        attemptHistory: z.array(
          z.object({
            attempt: z.number().int(),
            target: z.string().meta({ description: 'The API called: billing_v1, metered_usage_v2, user_sync.' }),
            httpStatus: z.number().int().nullable(),
            error: z.string().nullable(),
            startedAt: instant,
            durationMs: z.number().int(),
          }),
        ),
      }),
    },
  },
  errors: ['REPORT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'A failed report', given: 'a failed report', params: { id: EXAMPLE_ID }, status: 200 },
    { summary: 'No such report', params: { id: '999999999' }, status: 404 },
  ],
  handler:
    (deps) =>
    async ({ params: { id } }) => {
      const reportId = reportIdOf(id);
      const report = reportId === null ? null : await showReport(deps.prisma, reportId);
      if (!report) throw notFound(id);
      return { status: 200, body: report };
    },
});

const actionAnswer = (action: 'resent' | 'cancelled') => ({
  202: {
    description: `${action === 'resent' ? 'Being sent now' : 'Cancelled: never sent'} (audited in the same transaction)`,
    schema: z.object({ id: z.string(), [action]: z.literal(true) }),
  },
});

/** A route that acts on one report: 404 without it, the action's own refusal when its state does not allow it. */
function reportActionRoute(spec: {
  readonly verb: 'resend' | 'cancel';
  readonly summary: string;
  readonly answer: 'resent' | 'cancelled';
  readonly refusedWith: 'REPORT_NOT_RESENDABLE' | 'REPORT_NOT_CANCELLABLE';
  readonly act: typeof resendReport;
}) {
  return defineRoute({
    method: 'post',
    path: `/reports/{id}/${spec.verb}`,
    summary: spec.summary,
    auth: 'admin',
    params: idParams,
    body: { schema: z.strictObject({}), limit: '1kb' },
    responses: actionAnswer(spec.answer),
    errors: ['REPORT_NOT_FOUND', spec.refusedWith, 'DEPENDENCY_UNAVAILABLE'],
    examples: [
      { summary: 'A failed report', given: 'a failed report', params: { id: EXAMPLE_ID }, status: 202 },
      { summary: 'No such report', params: { id: '999999999' }, status: 404 },
    ],
    handler:
      (deps) =>
      async ({ params: { id }, req, res }) => {
        const reportId = reportIdOf(id);
        if (reportId === null) throw notFound(id);
        await requireQueues(deps);
        const outcome = await spec.act(actionContext(deps, req, res), reportId);
        if (!('done' in outcome)) throw refusal(id, outcome, spec.refusedWith);
        return { status: 202, body: { id, [spec.answer]: true as const } };
      },
  });
}

export const resendReportRoute = reportActionRoute({
  verb: 'resend',
  summary: 'Re-send a report that failed, or one waiting for its backoff now (with the same idempotency key)',
  answer: 'resent',
  refusedWith: 'REPORT_NOT_RESENDABLE',
  act: resendReport,
});

export const cancelReportRoute = reportActionRoute({
  verb: 'cancel',
  summary: 'Cancel a report not delivered: it is never sent, and the next report of its account goes on',
  answer: 'cancelled',
  refusedWith: 'REPORT_NOT_CANCELLABLE',
  act: cancelReport,
});
