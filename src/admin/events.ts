/**
 * What operators do with events: find them, look inside, retry, cancel. No
 * HTTP here; the admin API, page and CLI all go through these functions.
 */
import type { Prisma, PrismaClient } from '../db/client';
import { EVENT_ERROR_CODES } from '../errors/catalogue';
import { resultOf } from '../inbox/finish';
import { EVENT_STATUSES, UNSUCCESSFUL_STATUSES, type EventStatusName } from '../inbox/statuses';
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

export async function listEvents(
  prisma: PrismaClient,
  filter: EventFilter,
  page: { cursor?: bigint; limit: number },
): Promise<{ items: EventListItem[]; nextCursor: string | null }> {
  const rows = await prisma.event.findMany({
    where: { ...whereOf(filter), ...(page.cursor ? { seq: { lt: page.cursor } } : {}) },
    orderBy: { seq: 'desc' },
    take: page.limit + 1,
    select: {
      seq: true,
      token: true,
      type: true,
      status: true,
      errorCode: true,
      accountId: true,
      companyName: true,
      attempts: true,
      receivedAt: true,
      updatedAt: true,
    },
  });
  const items = rows
    .slice(0, page.limit)
    .map(({ seq: _seq, accountId, ...row }) => ({ ...row, accountIdentifier: accountId }));
  const last = rows[page.limit - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.seq) : null };
}

/** The current result delivery first, then the superseded ones (newest first). */
const DELIVERIES_NEWEST_FIRST = [
  { supersededAt: { sort: 'desc', nulls: 'first' } },
  { id: 'desc' },
] as const satisfies Prisma.ResultDeliveryOrderByWithRelationInput[];

export async function eventDetail(prisma: PrismaClient, token: string) {
  const event = await prisma.event.findUnique({
    where: { token },
    include: {
      attemptHistory: { orderBy: { id: 'asc' } },
      deliveries: { orderBy: [...DELIVERIES_NEWEST_FIRST], include: { attemptHistory: { orderBy: { id: 'asc' } } } },
    },
  });
  if (!event) return null;
  const { seq: _seq, accountId, attemptHistory, deliveries, ...rest } = event;
  const view = (delivery: (typeof deliveries)[number]) => ({
    status: delivery.status,
    resultUrl: delivery.resultUrl,
    body: delivery.body,
    attempts: delivery.attempts,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt,
    supersededAt: delivery.supersededAt,
    timeline: delivery.attemptHistory.map(({ id: _id, deliveryId: _d, ...attempt }) => attempt),
  });
  const current = deliveries.find((d) => d.supersededAt === null);
  return {
    ...rest,
    accountIdentifier: accountId,
    attempts: event.attempts,
    timeline: attemptHistory.map(({ id: _id, eventSeq: _e, ...attempt }) => attempt),
    resultDelivery: current ? view(current) : null,
    /** Results of earlier runs an operator replaced with a rerun, newest first: kept, never deleted. */
    earlierDeliveries: deliveries.filter((d) => d.supersededAt !== null).map(view),
  };
}

export type RetryPlan = 'rerun' | 'resend_result';

const unsuccessful = (status: string) => (UNSUCCESSFUL_STATUSES as readonly string[]).includes(status);

/**
 * What a retry of this event would do: re-send only the result when its
 * delivery failed for good; run the event again (from the fetch) when it
 * failed or was refused; nothing otherwise.
 */
export function retryPlanOf(event: { status: string; delivery: { status: string } | null }): RetryPlan | null {
  if (event.delivery?.status === 'failed') return 'resend_result';
  if (unsuccessful(event.status)) return 'rerun';
  return null;
}

/**
 * AppDirect already has this event's answer (a failure or a refusal): its result was delivered, or
 * answered in the HTTP response itself. Running it again sends a second, different result, so it needs `force`.
 */
export function failureReported(event: { status: string; delivery: { status: string } | null }): boolean {
  return (
    unsuccessful(event.status) && (event.delivery?.status === 'delivered' || event.delivery?.status === 'not_required')
  );
}

export interface RetryQueues {
  ensureEventJob(token: string): Promise<boolean>;
  ensureResultJob(token: string): Promise<boolean>;
  enqueueEventDelayed(token: string, delayMs: number): Promise<void>;
}

/** Who asked, for the audit row written in the same transaction as the change. */
export interface Actor {
  readonly actor: string;
  readonly requestId?: string;
}

/** A retry's outcome: what it does, or why it did nothing (null: not found or not retryable). */
export type RetryOutcome = RetryPlan | 'needs_force' | null;

/** Reopens one event inside `tx` (row locked); the caller enqueues after the commit. */
async function reopenForRetry(tx: Prisma.TransactionClient, token: string, force: boolean): Promise<RetryOutcome> {
  const [event] = await tx.$queryRaw<
    Array<{ seq: bigint; status: string; delivery_id: bigint | null; delivery_status: string | null }>
  >`
    SELECT e.seq, e.status::text AS status, d.id AS delivery_id, d.status::text AS delivery_status
    FROM events e LEFT JOIN result_deliveries d ON d."eventSeq" = e.seq AND d."supersededAt" IS NULL
    WHERE e.token = ${token} FOR UPDATE OF e`;
  if (!event) return null;
  const state = { status: event.status, delivery: event.delivery_status ? { status: event.delivery_status } : null };
  const chosen = retryPlanOf(state);
  if (chosen === 'resend_result') {
    await tx.resultDelivery.update({ where: { id: event.delivery_id! }, data: { status: 'pending', lastError: null } });
  } else if (chosen === 'rerun') {
    if (failureReported(state) && !force) return 'needs_force';
    await reopenForRerun(tx, event.seq);
  }
  return chosen;
}

async function enqueueRetry(queues: RetryQueues, token: string, plan: RetryPlan, delayMs?: number): Promise<void> {
  if (plan === 'resend_result') await queues.ensureResultJob(token);
  else if (delayMs) await queues.enqueueEventDelayed(token, delayMs);
  else await queues.ensureEventJob(token);
}

/**
 * Retries one event: the change and its audit row commit together, then the job is enqueued.
 * 'needs_force' when AppDirect already received its failure and `force` is not set (nothing changed).
 */
export async function retryEvent(
  prisma: PrismaClient,
  queues: RetryQueues,
  token: string,
  options: { delayMs?: number; force?: boolean; by?: Actor } = {},
): Promise<RetryOutcome> {
  const outcome = await prisma.$transaction(async (tx) => {
    const chosen = await reopenForRetry(tx, token, options.force ?? false);
    if (options.by && (chosen === 'rerun' || chosen === 'resend_result')) {
      await writeAudit(tx, {
        ...options.by,
        action: `events.retry.${chosen}${options.force && chosen === 'rerun' ? '.forced' : ''}`,
        target: token,
        count: 1,
      });
    }
    return chosen;
  });
  if (outcome === 'rerun' || outcome === 'resend_result') await enqueueRetry(queues, token, outcome, options.delayMs);
  return outcome;
}

/** Retryable events matching a filter: failed and refused events, and events whose result delivery failed. */
function retryableWhere(filter: EventFilter): Prisma.EventWhereInput {
  return {
    AND: [
      whereOf(filter),
      {
        OR: [
          { status: { in: [...UNSUCCESSFUL_STATUSES] } },
          { deliveries: { some: { status: 'failed', supersededAt: null } } },
        ],
      },
    ],
  };
}

export async function countRetryable(prisma: PrismaClient, filter: EventFilter): Promise<number> {
  return prisma.event.count({ where: retryableWhere(filter) });
}

const BULK_BATCH = 200;

/**
 * Retries every retryable event matching `filter`, `perSecond` at most: each
 * job is delayed so the workers see a steady trickle, not a flood. Each batch
 * commits with its own audit row (so an interrupted bulk retry is audited as far
 * as it got); events whose failure AppDirect already received are skipped
 * unless `force`, and counted.
 */
export async function bulkRetry(
  prisma: PrismaClient,
  queues: RetryQueues,
  filter: EventFilter,
  options: { perSecond: number; max: number; force?: boolean; by: Actor },
): Promise<{ matched: number; queued: number; needsForce: number }> {
  const matched = await countRetryable(prisma, filter);
  let queued = 0;
  let needsForce = 0;
  let cursor: bigint | undefined;
  let batchNumber = 0;
  while (queued < Math.min(matched, options.max)) {
    const batch = await prisma.event.findMany({
      where: { ...retryableWhere(filter), ...(cursor ? { seq: { gt: cursor } } : {}) },
      orderBy: { seq: 'asc' },
      take: Math.min(BULK_BATCH, options.max - queued),
      select: { seq: true, token: true },
    });
    if (batch.length === 0) break;
    batchNumber += 1;
    const reopened = await prisma.$transaction(async (tx) => {
      const done: Array<{ token: string; plan: RetryPlan }> = [];
      for (const event of batch) {
        const outcome = await reopenForRetry(tx, event.token, options.force ?? false);
        if (outcome === 'needs_force') needsForce += 1;
        else if (outcome) done.push({ token: event.token, plan: outcome });
      }
      await writeAudit(tx, {
        ...options.by,
        action: options.force ? 'events.bulk_retry.forced' : 'events.bulk_retry',
        filter: { ...filter, batch: batchNumber, firstToken: batch[0]!.token, lastToken: batch.at(-1)!.token },
        count: done.length,
      });
      return done;
    });
    for (const { token, plan } of reopened) {
      await enqueueRetry(queues, token, plan, Math.floor((queued / options.perSecond) * 1000));
      queued += 1;
    }
    cursor = batch.at(-1)!.seq;
  }
  if (batchNumber === 0)
    await writeAudit(prisma, { ...options.by, action: 'events.bulk_retry', filter: { ...filter }, count: 0 });
  return { matched, queued, needsForce };
}

/**
 * Stops an unfinished event and owes AppDirect OPERATION_CANCELLED. A worker applying it at the same
 * moment finds it cancelled when it tries to finish, and rolls back its changes.
 */
export async function cancelEvent(
  prisma: PrismaClient,
  queues: Pick<RetryQueues, 'ensureResultJob'> & { removeEventJob(token: string): Promise<void> },
  token: string,
  by?: Actor,
): Promise<CancelOutcome> {
  const result = resultOf(false, {
    errorCode: 'OPERATION_CANCELLED',
    message: EVENT_ERROR_CODES.OPERATION_CANCELLED.userMessage,
  });
  const audit = by
    ? (tx: Prisma.TransactionClient) => writeAudit(tx, { ...by, action: 'events.cancel', target: token, count: 1 })
    : undefined;
  const outcome = await cancelInboxEvent(prisma, token, result, audit);
  if (outcome === 'cancelled') {
    await queues.removeEventJob(token).catch(() => undefined); // a running job finds the event cancelled
    await queues.ensureResultJob(token);
  }
  return outcome;
}

/** Writes one audit row; pass the transaction of the change it records, so both commit or neither. */
export async function writeAudit(
  db: PrismaClient | Prisma.TransactionClient,
  entry: { actor: string; action: string; target?: string; filter?: unknown; count?: number; requestId?: string },
): Promise<void> {
  await db.auditLog.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      filter:
        entry.filter === undefined ? undefined : (JSON.parse(JSON.stringify(entry.filter)) as Prisma.InputJsonObject),
      count: entry.count ?? null,
      requestId: entry.requestId ?? null,
    },
  });
}
