/**
 * Events as operators find them: the filtered list and one event with its history. No HTTP here; the
 * admin API, page and CLI all go through these functions (what operators do to events: event-actions.ts).
 */
import type { Prisma, PrismaClient } from '../db/client';
import { EVENT_STATUSES, type EventStatusName } from '../inbox/statuses';

export { EVENT_STATUSES, type EventStatusName };

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

/** The filter as a query: every field compared for equality (literally: no pattern). */
export function whereOf(filter: EventFilter): Prisma.EventWhereInput {
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
