import type { PrismaClient } from '../db/client';

/** received -> queued, once a job exists (a later status is left alone). */
export async function markQueued(prisma: PrismaClient, seq: bigint): Promise<void> {
  await prisma.event.updateMany({ where: { seq, status: 'received' }, data: { status: 'queued', queuedAt: new Date() } });
}
