/**
 * Every status change of an inbox row, as a named function (see statuses.ts for the lifecycle). With
 * record.ts (insert), document.ts (the fetched document) and finish.ts (the final state) these are the
 * only writes to the `events` table.
 */
import { columns, Prisma, type Event, type PrismaClient } from '../db/client';
import type { Sql } from '../db/sql';
import { describeFailure } from '../errors/internal';
import type { ResultBody } from '../marketplace/client';
import { resultUrlFor } from '../marketplace/event-url';
import { FINAL_SQL, UNFINISHED_SQL, UNFINISHED_STATUSES, isFinal } from './statuses';

/** Every column of an event row, for RETURNING and SELECT (see `columns`). */
export const EVENT_COLUMNS = columns(Prisma.EventScalarFieldEnum);

/**
 * Claims the event for a run in one statement: only an unfinished event moves to `processing`, its
 * attempt counter goes up. Null when the event is already final (or does not exist).
 */
export async function claimEvent(sql: Sql, token: string, startedAt: Date): Promise<Event | null> {
  const [event] = await sql<Event>(Prisma.sql`
    UPDATE events
    SET status = 'processing', "startedAt" = COALESCE("startedAt", ${startedAt}), attempts = attempts + 1,
        "updatedAt" = ${startedAt}
    WHERE token = ${token} AND status NOT IN (${FINAL_SQL})
    RETURNING ${EVENT_COLUMNS}`);
  return event ?? null;
}

/** The stored result of an event (undefined: no such event). */
export async function storedResultOf(sql: Sql, token: string): Promise<{ result: unknown } | undefined> {
  const [event] = await sql<{ result: unknown }>(Prisma.sql`SELECT result FROM events WHERE token = ${token}`);
  return event;
}

/** received -> queued, once a job exists (a later status is left alone). */
export async function markQueued(sql: Sql, seq: bigint): Promise<void> {
  const now = new Date();
  await sql(Prisma.sql`
    UPDATE events SET status = 'queued', "queuedAt" = ${now}, "updatedAt" = ${now}
    WHERE seq = ${seq} AND status = 'received'`);
}

/** queued -> received: enqueueing failed after the row was marked queued (the sweeper takes it from there). */
export async function markNotQueued(sql: Sql, seq: bigint): Promise<void> {
  await sql(Prisma.sql`
    UPDATE events SET status = 'received', "queuedAt" = NULL, "updatedAt" = ${new Date()}
    WHERE seq = ${seq} AND status = 'queued'`);
}

/**
 * Records an attempt that will be tried again ('retrying': it failed; 'deferred': it waits) and puts an
 * unfinished event back to `queued`, in one statement. The timeline shows every error.
 */
export async function recordRetry(
  sql: Sql,
  token: string,
  error: Error,
  attempt: { workerId: string; startedAt: Date },
  outcome: 'retrying' | 'deferred',
): Promise<void> {
  const described = describeFailure(error);
  const now = new Date();
  await sql(Prisma.sql`
    WITH event AS (
      UPDATE events SET status = CASE WHEN status IN (${UNFINISHED_SQL}) THEN 'queued'::"EventStatus" ELSE status END,
        "lastError" = CASE WHEN ${outcome} = 'retrying' AND status IN (${UNFINISHED_SQL}) THEN ${described} ELSE "lastError" END,
        "updatedAt" = ${now}
      WHERE token = ${token}
      RETURNING seq, attempts
    )
    INSERT INTO event_attempts ("eventSeq", attempt, "workerId", outcome, error, "startedAt", "durationMs")
    SELECT seq, GREATEST(attempts, 1), ${attempt.workerId}, ${outcome}::"AttemptOutcome", ${described},
           ${attempt.startedAt}, ${now.getTime() - attempt.startedAt.getTime()}
    FROM event`);
}

/** The next unfinished event of the same account, in arrival order (it may be waiting for this one). */
export async function nextEventOfAccount(sql: Sql, token: string): Promise<string | null> {
  const [next] = await sql<{ token: string }>(Prisma.sql`
    SELECT n.token FROM events e
    JOIN events n ON n."accountId" = e."accountId" AND n.seq > e.seq AND n.status IN (${UNFINISHED_SQL})
    WHERE e.token = ${token}
    ORDER BY n.seq LIMIT 1`);
  return next?.token ?? null;
}

/**
 * An operator's retry of a failed event: back to the start (fetched again, applied again, a new result
 * owed). The attempt history stays, and so does the earlier result delivery with its attempts: it is
 * marked superseded, and the rerun's result gets a new one. Runs inside the caller's transaction, with
 * the row locked.
 */
export async function reopenForRerun(tx: Prisma.TransactionClient, seq: bigint): Promise<void> {
  await tx.resultDelivery.updateMany({
    where: { eventSeq: seq, supersededAt: null },
    data: { supersededAt: new Date() },
  });
  await tx.event.update({
    where: { seq },
    data: {
      status: 'queued',
      queuedAt: new Date(),
      payload: Prisma.DbNull,
      result: Prisma.DbNull,
      errorCode: null,
      finishedAt: null,
      startedAt: null,
      lastError: null,
      pendingSince: null,
      // A rerun asks the product again (a decision it left pending or failed to give is not carried over).
      productDecision: Prisma.DbNull,
    },
  });
}

export type CancelOutcome = 'cancelled' | 'not_found' | 'already_finished';

/**
 * Stops an unfinished event with `result` (OPERATION_CANCELLED) and owes it to AppDirect. A worker
 * applying it at the same moment finds it final when it tries to finish, and rolls back its changes.
 */
export async function cancelEvent(
  prisma: PrismaClient,
  token: string,
  result: ResultBody,
  /** Written in the same transaction when the event is cancelled (the operator's audit row). */
  alsoInTransaction?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<CancelOutcome> {
  const body = result as unknown as Prisma.InputJsonObject;
  return prisma.$transaction(async (tx) => {
    const event = await tx.event.findUnique({
      where: { token },
      select: { seq: true, status: true, marketplaceBaseUrl: true },
    });
    if (!event) return 'not_found' as const;
    if (isFinal(event.status)) return 'already_finished' as const;
    const updated = await tx.event.updateMany({
      where: { seq: event.seq, status: { in: [...UNFINISHED_STATUSES] } },
      data: { status: 'cancelled', result: body, errorCode: result.errorCode ?? null, finishedAt: new Date() },
    });
    if (updated.count === 0) return 'already_finished' as const;
    const owed = await tx.resultDelivery.updateMany({
      where: { eventSeq: event.seq, supersededAt: null },
      data: { status: 'pending', body },
    });
    if (owed.count === 0) {
      await tx.resultDelivery.create({
        data: { eventSeq: event.seq, resultUrl: resultUrlFor(event.marketplaceBaseUrl, token), body },
      });
    }
    await alsoInTransaction?.(tx);
    return 'cancelled' as const;
  });
}

/**
 * An operator re-asks the product: an unfinished event waiting for its decision forgets the wait (and the
 * `pending` answer), so its next run asks again with a fresh deadline. False when the event is not waiting.
 * `db` may be the operator's transaction (its audit row commits with the change).
 */
export async function forgetProductWait(db: PrismaClient | Prisma.TransactionClient, token: string): Promise<boolean> {
  const changed = await db.$executeRaw`
    UPDATE events SET "productDecision" = NULL, "pendingSince" = NULL, "updatedAt" = now()
    WHERE token = ${token} AND status IN (${UNFINISHED_SQL}) AND ("pendingSince" IS NOT NULL OR "productDecision" IS NOT NULL)`;
  return changed > 0;
}

/**
 * The product completes a `pending` decision (product API): stored for the event's next run, which
 * applies it. Only an unfinished event not yet decided is completed (a completion may overtake the
 * `pending` answer it follows); the same completion again is a no-op.
 * Returns what the event's state allowed.
 */
export async function completeProductDecision(
  prisma: PrismaClient,
  token: string,
  decision: Prisma.InputJsonObject,
): Promise<'completed' | 'already_completed' | 'not_awaiting' | 'not_found'> {
  const changed = await prisma.$executeRaw`
    UPDATE events SET "productDecision" = ${JSON.stringify(decision)}::jsonb, "updatedAt" = now()
    WHERE token = ${token} AND status IN (${UNFINISHED_SQL}) AND ("productDecision" IS NULL OR "productDecision"->>'decision' = 'pending')`;
  if (changed > 0) return 'completed';
  const event = await prisma.event.findUnique({ where: { token }, select: { productDecision: true } });
  if (!event) return 'not_found';
  // A repeat of the completion that was stored (applied or about to be) answers as the first one did.
  return canonical(event.productDecision) === canonical(decision) ? 'already_completed' : 'not_awaiting';
}

/** A flat JSON object's text with its keys sorted (jsonb does not keep the order they were sent in). */
const canonical = (value: unknown): string =>
  value && typeof value === 'object'
    ? JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))))
    : JSON.stringify(value);
