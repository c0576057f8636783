/**
 * What operators do with events: find them, look inside, retry, cancel. No
 * HTTP here; the admin API, page and CLI all go through these functions.
 */
import type { Prisma, PrismaClient } from '../db/client';
import { EVENT_ERROR_CODES } from '../errors/catalogue';
import { resultOf } from '../inbox/finish';
import { EVENT_STATUSES, type EventStatusName } from '../inbox/statuses';
import { cancelEvent as cancelInboxEvent, reopenForRerun, type CancelOutcome } from '../inbox/transitions';

export { EVENT_STATUSES, type EventStatusName, type CancelOutcome };

export interface EventFilter {
  readonly status?: EventStatusName;
  readonly type?: string;
  readonly accountIdentifier?: string;
  readonly companyUuid?: string;
  readonly errorCode?: string;
  readonly from?: Date;
  readonly to?: Date;
}

export interface EventListItem {
  token: string;
  type: string | null;
  status: string;
  errorCode: string | null;
  accountIdentifier: string | null;
  companyName: string | null;
  attempts: number;
  receivedAt: Date;
  updatedAt: Date;
}

function whereOf(filter: EventFilter): Prisma.EventWhereInput {
  return {
    status: filter.status,
    type: filter.type,
    accountId: filter.accountIdentifier,
    companyUuid: filter.companyUuid,
    errorCode: filter.errorCode,
    receivedAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
  };
}

/** Cursors are opaque to callers: the last `seq` seen, base64url. Newest first, stable under inserts. */
export const encodeCursor = (seq: bigint): string => Buffer.from(seq.toString()).toString('base64url');
export function decodeCursor(cursor: string): bigint | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d{1,19}$/.test(text) ? BigInt(text) : null;
}

export async function listEvents(
  prisma: PrismaClient,
  filter: EventFilter,
  page: { cursor?: bigint; limit: number },
): Promise<{ items: EventListItem[]; nextCursor: string | null }> {
  const rows = await prisma.event.findMany({
    where: { ...whereOf(filter), ...(page.cursor ? { seq: { lt: page.cursor } } : {}) },
    orderBy: { seq: 'desc' },
    take: page.limit + 1,
    select: { seq: true, token: true, type: true, status: true, errorCode: true, accountId: true, companyName: true, attempts: true, receivedAt: true, updatedAt: true },
  });
  const items = rows.slice(0, page.limit).map(({ seq: _seq, accountId, ...row }) => ({ ...row, accountIdentifier: accountId }));
  const last = rows[page.limit - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.seq) : null };
}

export async function eventDetail(prisma: PrismaClient, token: string) {
  const event = await prisma.event.findUnique({
    where: { token },
    include: {
      attemptHistory: { orderBy: { id: 'asc' } },
      delivery: { include: { attemptHistory: { orderBy: { id: 'asc' } } } },
    },
  });
  if (!event) return null;
  const { seq: _seq, accountId, attemptHistory, delivery, ...rest } = event;
  return {
    ...rest,
    accountIdentifier: accountId,
    attempts: event.attempts,
    timeline: attemptHistory.map(({ id: _id, eventSeq: _e, ...attempt }) => attempt),
    resultDelivery: delivery
      ? {
          status: delivery.status,
          resultUrl: delivery.resultUrl,
          body: delivery.body,
          attempts: delivery.attempts,
          lastError: delivery.lastError,
          deliveredAt: delivery.deliveredAt,
          timeline: delivery.attemptHistory.map(({ id: _id, deliveryId: _d, ...attempt }) => attempt),
        }
      : null,
  };
}

export type RetryPlan = 'rerun' | 'resend_result';

/**
 * What a retry of this event would do: re-send only the result when its
 * delivery failed for good; run the event again (from the fetch) when it
 * failed; nothing otherwise.
 */
export function retryPlanOf(event: { status: string; delivery: { status: string } | null }): RetryPlan | null {
  if (event.delivery?.status === 'failed') return 'resend_result';
  if (event.status === 'failed') return 'rerun';
  return null;
}

export interface RetryQueues {
  ensureEventJob(token: string): Promise<boolean>;
  ensureResultJob(token: string): Promise<boolean>;
  enqueueEventDelayed(token: string, delayMs: number): Promise<void>;
}

/** Retries one event; null when it is not in a retryable state. */
export async function retryEvent(prisma: PrismaClient, queues: RetryQueues, token: string, options: { delayMs?: number } = {}): Promise<RetryPlan | null> {
  const plan = await prisma.$transaction(async (tx) => {
    const [event] = await tx.$queryRaw<Array<{ seq: bigint; status: string; delivery_status: string | null }>>`
      SELECT e.seq, e.status::text AS status, d.status::text AS delivery_status
      FROM events e LEFT JOIN result_deliveries d ON d."eventSeq" = e.seq
      WHERE e.token = ${token} FOR UPDATE OF e`;
    if (!event) return null;
    const chosen = retryPlanOf({ status: event.status, delivery: event.delivery_status ? { status: event.delivery_status } : null });
    if (chosen === 'resend_result') {
      await tx.resultDelivery.update({ where: { eventSeq: event.seq }, data: { status: 'pending', lastError: null } });
    } else if (chosen === 'rerun') {
      await reopenForRerun(tx, event.seq);
    }
    return chosen;
  });
  if (plan === 'resend_result') await queues.ensureResultJob(token);
  if (plan === 'rerun') {
    if (options.delayMs) await queues.enqueueEventDelayed(token, options.delayMs);
    else await queues.ensureEventJob(token);
  }
  return plan;
}

/** Retryable events matching a filter: failed events, and events whose result delivery failed. */
function retryableWhere(filter: EventFilter): Prisma.EventWhereInput {
  return { AND: [whereOf(filter), { OR: [{ status: 'failed' }, { delivery: { status: 'failed' } }] }] };
}

export async function countRetryable(prisma: PrismaClient, filter: EventFilter): Promise<number> {
  return prisma.event.count({ where: retryableWhere(filter) });
}

/**
 * Retries every retryable event matching `filter`, `perSecond` at most: each
 * job is delayed so the workers see a steady trickle, not a flood.
 */
export async function bulkRetry(prisma: PrismaClient, queues: RetryQueues, filter: EventFilter, options: { perSecond: number; max: number }): Promise<{ matched: number; queued: number }> {
  const matched = await countRetryable(prisma, filter);
  let queued = 0;
  let cursor: bigint | undefined;
  while (queued < Math.min(matched, options.max)) {
    const batch = await prisma.event.findMany({
      where: { ...retryableWhere(filter), ...(cursor ? { seq: { gt: cursor } } : {}) },
      orderBy: { seq: 'asc' },
      take: 200,
      select: { seq: true, token: true },
    });
    if (batch.length === 0) break;
    for (const event of batch) {
      const delayMs = Math.floor((queued / options.perSecond) * 1000);
      if (await retryEvent(prisma, queues, event.token, { delayMs })) queued += 1;
      if (queued >= options.max) break;
    }
    cursor = batch[batch.length - 1]!.seq;
  }
  return { matched, queued };
}

/**
 * Stops an unfinished event and owes AppDirect OPERATION_CANCELLED. A worker applying it at the same
 * moment finds it cancelled when it tries to finish, and rolls back its changes.
 */
export async function cancelEvent(prisma: PrismaClient, queues: Pick<RetryQueues, 'ensureResultJob'> & { removeEventJob(token: string): Promise<void> }, token: string): Promise<CancelOutcome> {
  const result = resultOf(false, { errorCode: 'OPERATION_CANCELLED', message: EVENT_ERROR_CODES.OPERATION_CANCELLED.userMessage });
  const outcome = await cancelInboxEvent(prisma, token, result);
  if (outcome === 'cancelled') {
    await queues.removeEventJob(token).catch(() => undefined); // a running job finds the event cancelled
    await queues.ensureResultJob(token);
  }
  return outcome;
}

export async function writeAudit(
  prisma: PrismaClient,
  entry: { actor: string; action: string; target?: string; filter?: unknown; count?: number; requestId?: string },
): Promise<void> {
  await prisma.auditLog.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      filter: entry.filter === undefined ? undefined : (JSON.parse(JSON.stringify(entry.filter)) as Prisma.InputJsonObject),
      count: entry.count ?? null,
      requestId: entry.requestId ?? null,
    },
  });
}
