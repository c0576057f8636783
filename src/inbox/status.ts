import type { PrismaClient } from '../db/client';

/** queued -> received: enqueueing failed after the row was marked queued (the sweeper takes it from there). */
export async function markNotQueued(prisma: PrismaClient, seq: bigint): Promise<void> {
  await prisma.event.updateMany({ where: { seq, status: 'queued' }, data: { status: 'received', queuedAt: null } });
}

/** received -> queued, once a job exists (a later status is left alone). */
export async function markQueued(prisma: PrismaClient, seq: bigint): Promise<void> {
  await prisma.event.updateMany({ where: { seq, status: 'received' }, data: { status: 'queued', queuedAt: new Date() } });
}

/** The next unfinished event of the same account, in arrival order (it may be waiting for this one). */
export async function nextEventOfAccount(prisma: PrismaClient, token: string): Promise<string | null> {
  const [next] = await prisma.$queryRaw<Array<{ token: string }>>`
    SELECT n.token FROM events e
    JOIN events n ON n."accountId" = e."accountId" AND n.seq > e.seq AND n.status IN ('received', 'queued', 'processing')
    WHERE e.token = ${token}
    ORDER BY n.seq LIMIT 1`;
  return next?.token ?? null;
}

/** processing -> queued: the event waits for an earlier one of its account (operators see it waiting, not running). */
export async function markWaiting(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.event.updateMany({ where: { token, status: 'processing' }, data: { status: 'queued' } });
}
