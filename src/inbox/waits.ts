/**
 * What a run writes about an event that waits, in its own transaction (the event's row is locked there):
 * for an earlier event of its account, for its account's provisioning, for the product's decision. The
 * event goes back to `queued` and its timeline says what it waits for.
 */
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';
import type { AttemptInfo } from './finish';
import { UNFINISHED_SQL } from './statuses';

/** processing -> queued: the event waits for an earlier one of its account (operators see it waiting, not running). */
export async function markWaiting(sql: Sql, seq: bigint): Promise<void> {
  await sql(
    Prisma.sql`UPDATE events SET status = 'queued', "updatedAt" = ${new Date()} WHERE seq = ${seq} AND status = 'processing'`,
  );
}

/**
 * The event waits (its account's provisioning, the product's decision): back to `queued`, an attempt
 * `deferred` with `why` in its timeline, and — for the product — since when (the decision's deadline counts
 * from the first wait), why (lastError), and for a `pending` answer that the product will complete it through
 * the product API (a completion stored meanwhile is kept).
 */
export async function recordWait(
  sql: Sql,
  seq: bigint,
  attempt: AttemptInfo,
  why: string,
  wait: { pendingSince?: Date; product?: { pending: Prisma.InputJsonObject | null } } = {},
): Promise<void> {
  const now = new Date();
  const pending = wait.product?.pending ? JSON.stringify(wait.product.pending) : null;
  await sql(Prisma.sql`
    WITH event AS (
      UPDATE events SET status = 'queued', "updatedAt" = ${now},
        "pendingSince" = COALESCE("pendingSince", ${wait.pendingSince ?? null}::timestamptz),
        "lastError" = CASE WHEN ${wait.product !== undefined} THEN ${`awaiting the product: ${why}`.slice(0, 2000)} ELSE "lastError" END,
        "productDecision" = CASE WHEN ${wait.product !== undefined} THEN COALESCE("productDecision", ${pending}::jsonb)
                                 ELSE "productDecision" END
      WHERE seq = ${seq} AND status IN (${UNFINISHED_SQL})
      RETURNING seq
    )
    INSERT INTO event_attempts ("eventSeq", attempt, "workerId", outcome, error, "startedAt", "durationMs")
    SELECT seq, ${Math.max(attempt.attempt, 1)}, ${attempt.workerId}, 'deferred', ${why.slice(0, 2000)},
           ${attempt.startedAt}, ${now.getTime() - attempt.startedAt.getTime()}
    FROM event`);
}

/**
 * A SUBSCRIPTION_NOTICE is overtaking the account's unfinished events: pin the account's status as it is
 * now on each of them (unless an earlier notice already did), so they are still decided as of their arrival.
 * True when there were such events (the notice runs alone, ahead of them).
 */
export async function pinAccountStatus(
  sql: Sql,
  accountId: string,
  beforeSeq: bigint,
  status: string,
): Promise<boolean> {
  const [row] = await sql<{ earlier: boolean }>(Prisma.sql`
    WITH earlier AS (
      SELECT seq FROM events
      WHERE "accountId" = ${accountId} AND seq < ${beforeSeq} AND status IN (${UNFINISHED_SQL})
    ), pinned AS (
      UPDATE events SET "accountStatusAtArrival" = ${status}::"AccountStatus"
      WHERE seq IN (SELECT seq FROM earlier) AND "accountStatusAtArrival" IS NULL
    )
    SELECT EXISTS (SELECT 1 FROM earlier) AS earlier`);
  return row?.earlier ?? false;
}
