import type { PrismaClient } from '../db/client';

/** received -> queued, once a job exists (a later status is left alone). */
export async function markQueued(prisma: PrismaClient, seq: bigint): Promise<void> {
  await prisma.event.updateMany({ where: { seq, status: 'received' }, data: { status: 'queued', queuedAt: new Date() } });
}

/** The next unfinished event of the same account, in arrival order (it may be waiting for this one). */
export async function nextEventOfAccount(prisma: PrismaClient, token: string): Promise<string | null> {
  const event = await prisma.event.findUnique({ where: { token }, select: { seq: true, accountId: true } });
  if (!event?.accountId) return null;
  const next = await prisma.event.findFirst({
    where: { accountId: event.accountId, seq: { gt: event.seq }, status: { in: ['received', 'queued', 'processing'] } },
    orderBy: { seq: 'asc' },
    select: { token: true },
  });
  return next?.token ?? null;
}
