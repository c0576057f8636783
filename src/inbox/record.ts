/**
 * Writing notifications into the inbox. One row per event token; a repeat
 * notification finds the existing row. The OAuth 1.0a nonce, when there is one,
 * is written in the same transaction, so a replay is refused and leaves nothing behind.
 */
import { Prisma, type Event, type PrismaClient } from '../db/client';

export interface NonceRecord {
  readonly consumerKey: string;
  readonly nonce: string;
  readonly timestamp: number;
}

export class NonceReplayedError extends Error {
  constructor() {
    super('OAuth nonce already used');
    this.name = 'NonceReplayedError';
  }
}

export interface NewNotification {
  readonly token: string;
  readonly eventUrl: string;
  readonly marketplaceBaseUrl: string;
  /** The OAuth 1.0a consumer key that signed the notification: the fetch is signed with the same product's key. */
  readonly consumerKey?: string;
  readonly nonce?: NonceRecord;
}

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

async function insertNonce(tx: Prisma.TransactionClient, nonce: NonceRecord): Promise<void> {
  try {
    await tx.oAuthNonce.create({ data: { consumerKey: nonce.consumerKey, nonce: nonce.nonce, timestamp: BigInt(nonce.timestamp) } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new NonceReplayedError();
    throw error;
  }
}

/**
 * Records the notification (and its nonce) and commits. Returns the inbox row
 * and whether this call created it. Throws NonceReplayedError for a replay.
 */
export async function recordNotification(prisma: PrismaClient, note: NewNotification): Promise<{ event: Event; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    if (note.nonce) await insertNonce(tx, note.nonce);
    const inserted = await tx.event.createManyAndReturn({
      data: [{ token: note.token, eventUrl: note.eventUrl, marketplaceBaseUrl: note.marketplaceBaseUrl, consumerKey: note.consumerKey ?? null }],
      skipDuplicates: true,
    });
    if (inserted[0]) return { event: inserted[0], created: true };
    const existing = await tx.event.findUniqueOrThrow({ where: { token: note.token } });
    return { event: existing, created: false };
  });
}

/** Records only the nonce (probe notifications carry no event to keep). */
export async function recordNonce(prisma: PrismaClient, nonce: NonceRecord): Promise<void> {
  await prisma.$transaction(async (tx) => insertNonce(tx, nonce));
}

/** Deletes nonces older than the timestamp window can accept; returns how many. */
export async function purgeExpiredNonces(prisma: PrismaClient, olderThanSeconds = 900): Promise<number> {
  const { count } = await prisma.oAuthNonce.deleteMany({ where: { seenAt: { lt: new Date(Date.now() - olderThanSeconds * 1000) } } });
  return count;
}
