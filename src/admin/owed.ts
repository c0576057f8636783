/**
 * What the installation still owes, listed for operators: results AppDirect has not received and calls
 * to the product's provisioning hooks not done. Reads only (report/ and hooks/ write these tables).
 */
import type { PrismaClient } from '../db/client';

export const DELIVERY_STATES = ['failed', 'retrying', 'pending'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export const HOOK_STATES = ['failing', 'not_done'] as const;
export type HookState = (typeof HOOK_STATES)[number];

export interface OwedDeliveryItem {
  /** The delivery's id (with createdAt, where the next page starts). */
  id: string;
  token: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Undelivered results, oldest first ((status, createdAt) index): failed for good, retrying after a failure, or
 * any pending; `after` the last one of the previous page.
 */
export async function listUndeliveredResults(
  prisma: PrismaClient,
  state: DeliveryState,
  limit = 200,
  after?: { createdAt: Date; id: bigint },
): Promise<OwedDeliveryItem[]> {
  const rows = await prisma.resultDelivery.findMany({
    where: {
      ...(state === 'failed'
        ? { status: 'failed' }
        : state === 'retrying'
          ? { status: 'pending', attempts: { gt: 0 } }
          : { status: 'pending' }),
      ...(after
        ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: {
      id: true,
      status: true,
      attempts: true,
      lastError: true,
      createdAt: true,
      updatedAt: true,
      event: { select: { token: true } },
    },
  });
  return rows.map(({ event, id, ...row }) => ({ id: id.toString(), token: event.token, ...row }));
}

export interface OwedHookItem {
  id: string;
  kind: string;
  accountIdentifier: string | null;
  eventToken: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/**
 * Hook calls not done, oldest first ((done, id) index); failing: at least one attempt failed. `after`: the id
 * of the last one of the previous page.
 */
export async function listHookCalls(
  prisma: PrismaClient,
  state: HookState,
  limit = 200,
  after?: bigint,
): Promise<OwedHookItem[]> {
  const rows = await prisma.hookCall.findMany({
    where: {
      done: false,
      ...(state === 'failing' ? { attempts: { gt: 0 } } : {}),
      ...(after === undefined ? {} : { id: { gt: after } }),
    },
    orderBy: { id: 'asc' },
    take: limit,
    select: {
      id: true,
      kind: true,
      accountId: true,
      eventToken: true,
      attempts: true,
      lastError: true,
      createdAt: true,
    },
  });
  return rows.map(({ id, accountId, ...row }) => ({ id: id.toString(), accountIdentifier: accountId, ...row }));
}
