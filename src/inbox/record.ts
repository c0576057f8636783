/**
 * Writing notifications into the inbox. One row per event token; a repeat
 * notification finds the existing row. The OAuth 1.0a nonce, when there is one,
 * is written in the same transaction, so a replay is refused and leaves nothing behind.
 */
import type { Event, PrismaClient } from '../db/client';

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


/** The inbox fields the callback needs to answer. */
export type InboxRow = Pick<Event, 'seq' | 'token' | 'status' | 'result' | 'consumerKey'>;

/**
 * Records the notification (and its nonce) and commits, in one SQL statement
 * (one round trip, atomic): the event row is only inserted when the nonce is
 * new. Returns the inbox row and whether this call created it. Throws
 * NonceReplayedError for a replay (nothing is written then).
 */
export async function recordNotification(prisma: PrismaClient, note: NewNotification): Promise<{ event: InboxRow; created: boolean }> {
  const nonce = note.nonce;
  const rows = nonce
    ? await prisma.$queryRaw<Array<InboxRow & { nonce_ok: boolean }>>`
        WITH nonce AS (
          INSERT INTO oauth_nonces ("consumerKey", nonce, "timestamp")
          VALUES (${nonce.consumerKey}, ${nonce.nonce}, ${BigInt(nonce.timestamp)})
          ON CONFLICT DO NOTHING
          RETURNING 1
        ), inserted AS (
          INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", "consumerKey", "updatedAt")
          SELECT ${note.token}, ${note.eventUrl}, ${note.marketplaceBaseUrl}, ${note.consumerKey ?? null}, now()
          WHERE EXISTS (SELECT 1 FROM nonce)
          ON CONFLICT (token) DO NOTHING
          RETURNING seq, token, status::text AS status, result, "consumerKey"
        )
        SELECT inserted.*, EXISTS (SELECT 1 FROM nonce) AS nonce_ok FROM (SELECT 1) AS one LEFT JOIN inserted ON true`
    : await prisma.$queryRaw<Array<InboxRow & { nonce_ok: boolean }>>`
        INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", "consumerKey", "updatedAt")
        VALUES (${note.token}, ${note.eventUrl}, ${note.marketplaceBaseUrl}, ${note.consumerKey ?? null}, now())
        ON CONFLICT (token) DO NOTHING
        RETURNING seq, token, status::text AS status, result, "consumerKey", true AS nonce_ok`;
  const row = rows[0];
  if (nonce && row && !row.nonce_ok) throw new NonceReplayedError();
  if (row?.seq !== undefined && row.seq !== null) {
    const { nonce_ok: _ignored, ...event } = row;
    return { event, created: true };
  }
  const existing = await prisma.event.findUniqueOrThrow({
    where: { token: note.token },
    select: { seq: true, token: true, status: true, result: true, consumerKey: true },
  });
  return { event: existing, created: false };
}

/** Records only the nonce (probe notifications carry no event to keep). */
export async function recordNonce(prisma: PrismaClient, nonce: NonceRecord): Promise<void> {
  const inserted = await prisma.$executeRaw`
    INSERT INTO oauth_nonces ("consumerKey", nonce, "timestamp")
    VALUES (${nonce.consumerKey}, ${nonce.nonce}, ${BigInt(nonce.timestamp)})
    ON CONFLICT DO NOTHING`;
  if (inserted === 0) throw new NonceReplayedError();
}

/** Deletes nonces older than the timestamp window can accept; returns how many. */
export async function purgeExpiredNonces(prisma: PrismaClient, olderThanSeconds = 900): Promise<number> {
  const { count } = await prisma.oAuthNonce.deleteMany({ where: { seenAt: { lt: new Date(Date.now() - olderThanSeconds * 1000) } } });
  return count;
}
