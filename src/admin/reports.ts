/**
 * The product's reports to the marketplace (usage, user sync) for operators: list, show with every attempt,
 * re-send one that failed (or one waiting for its backoff, now), cancel one not delivered. Each action commits
 * its change and its audit row in one transaction, then starts the report's job (src/billing delivers it).
 */
import type { PrismaClient } from '../db/client';
import type { ReportStatus } from '../generated/prisma/enums';
import { writeAudit } from './audit';
import { startAfterCommit, type ActionContext } from './context';

export const REPORT_STATES = ['failed', 'retrying', 'pending', 'delivered', 'cancelled'] as const;
export type ReportState = (typeof REPORT_STATES)[number];
export const REPORT_KINDS = ['usage', 'user_sync'] as const;

/** Largest marketplace_reports.id (BIGINT): a longer number is no report of ours, not a query error. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** The id as given (a path parameter), or null when it cannot name a report. */
export const reportIdOf = (text: string): bigint | null =>
  /^\d{1,19}$/.test(text) && BigInt(text) <= BIGINT_MAX ? BigInt(text) : null;

const where = (state: ReportState) =>
  state === 'retrying' ? { status: 'pending' as const, attempts: { gt: 0 } } : { status: state };

export interface ReportItem {
  id: string;
  kind: (typeof REPORT_KINDS)[number];
  accountIdentifier: string;
  addonInstanceId: string | null;
  idempotencyKey: string;
  status: ReportStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const item = (row: {
  id: bigint;
  kind: string;
  accountId: string;
  addonInstanceId: string | null;
  idempotencyKey: string;
  status: ReportStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}): ReportItem => ({
  id: row.id.toString(),
  // Written only by src/billing/accept.ts, from ReportKind.
  kind: row.kind as ReportItem['kind'],
  accountIdentifier: row.accountId,
  addonInstanceId: row.addonInstanceId,
  idempotencyKey: row.idempotencyKey,
  status: row.status,
  attempts: row.attempts,
  lastError: row.lastError,
  createdAt: row.createdAt,
  deliveredAt: row.deliveredAt,
});

/** Reports in `state`, oldest first ((status, …) index, then id); `after` the last id of the previous page. */
export async function listReports(
  prisma: PrismaClient,
  filter: { state: ReportState; kind?: string; accountIdentifier?: string },
  limit = 200,
  after?: bigint,
): Promise<ReportItem[]> {
  const rows = await prisma.marketplaceReport.findMany({
    where: {
      ...where(filter.state),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.accountIdentifier ? { accountId: filter.accountIdentifier } : {}),
      ...(after === undefined ? {} : { id: { gt: after } }),
    },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map(item);
}

/** One report: what the product sent, where it stands, and every attempt at delivering it. */
export async function showReport(prisma: PrismaClient, id: bigint) {
  const row = await prisma.marketplaceReport.findUnique({
    where: { id },
    include: { attemptHistory: { orderBy: { id: 'asc' }, take: 500 } },
  });
  if (!row) return null;
  return {
    ...item(row),
    report: row.body,
    attemptHistory: row.attemptHistory.map((attempt) => ({
      attempt: attempt.attempt,
      target: attempt.target,
      httpStatus: attempt.httpStatus,
      error: attempt.error,
      startedAt: attempt.startedAt,
      durationMs: attempt.durationMs,
    })),
  };
}

export type ReportAction = { done: true } | { refused: 'not_found' } | { refused: 'not_applicable'; status: string };

/**
 * Changes the report's status from one of `from` to `to` under its row lock, audited; then `after` (its job).
 * Reads the status it found for a refusal.
 */
async function act(
  ctx: ActionContext,
  id: bigint,
  action: { name: string; from: readonly string[]; to: 'pending' | 'cancelled' },
  after: () => Promise<unknown>,
): Promise<ReportAction> {
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<ReportAction> => {
    const [row] = await tx.$queryRaw<Array<{ status: string }>>`
      SELECT status::text AS status FROM marketplace_reports WHERE id = ${id} FOR UPDATE`;
    if (!row) return { refused: 'not_found' };
    if (!action.from.includes(row.status)) return { refused: 'not_applicable', status: row.status };
    if (row.status !== action.to)
      await tx.$executeRaw`
        UPDATE marketplace_reports SET status = ${action.to}::"ReportStatus", "updatedAt" = now() WHERE id = ${id}`;
    await writeAudit(tx, { ...ctx.by, action: action.name, target: `report#${id}`, count: 1 });
    return { done: true };
  });
  if ('done' in outcome) await startAfterCommit(ctx, `report#${id}`, after);
  return outcome;
}

/**
 * Re-sends a report: a failed one becomes pending again and gets a fresh job (the attempts of its earlier jobs
 * stay in its history); a pending one waiting for its backoff is tried now. Later reports of its account wait
 * for it again, so they still reach the marketplace after it.
 */
export async function resendReport(ctx: ActionContext, id: bigint): Promise<ReportAction> {
  return act(ctx, id, { name: 'reports.resend', from: ['failed', 'pending'], to: 'pending' }, async () => {
    await ctx.queues.ensureReportJob(id);
    await ctx.queues.promoteReport(id);
  });
}

/**
 * Cancels a report not delivered: it is never sent (an attempt already in flight that the marketplace takes
 * still records it delivered: that is what happened). The account's next report no longer waits for it.
 */
export async function cancelReport(ctx: ActionContext, id: bigint): Promise<ReportAction> {
  return act(ctx, id, { name: 'reports.cancel', from: ['failed', 'pending'], to: 'cancelled' }, async () => {
    const [next] = await ctx.prisma.$queryRaw<Array<{ id: bigint }>>`
      SELECT n.id FROM marketplace_reports r JOIN marketplace_reports n ON n."accountId" = r."accountId"
      WHERE r.id = ${id} AND n.status = 'pending' AND n.id > r.id ORDER BY n.id LIMIT 1`;
    if (next) await ctx.queues.promoteReport(next.id);
  });
}
