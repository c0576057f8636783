/**
 * What operators do to events: retry one (run it again, or re-send its result), retry many by filter,
 * cancel one. Each change commits with its audit row; the job that carries it out is started after the
 * commit (context.ts). No HTTP here: the admin API, page and CLI all come through these functions.
 */
import type { Prisma, PrismaClient } from '../db/client';
import { AppError } from '../errors/app-error';
import { EVENT_ERROR_CODES } from '../errors/catalogue';
import { resultOf } from '../inbox/finish';
import { UNSUCCESSFUL_STATUSES } from '../inbox/statuses';
import { cancelEvent as cancelInboxEvent, reopenForRerun, type CancelOutcome } from '../inbox/transitions';
import { writeAudit } from './audit';
import { startAfterCommit, type ActionContext, type AdminQueues } from './context';
import { whereOf, type EventFilter } from './events';

export type RetryPlan = 'rerun' | 'resend_result';

/** An event as an action finds it: status and current result delivery, the row locked until the commit. */
export interface LockedEvent {
  readonly seq: bigint;
  readonly status: string;
  readonly deliveryId: bigint | null;
  readonly deliveryStatus: string | null;
}

/** What an action did, or why it did nothing (then nothing changed). */
export type ActionOutcome<A extends string> =
  | { readonly done: A; readonly forced: boolean }
  | { readonly refused: 'not_found' }
  | { readonly refused: 'needs_force' }
  | { readonly refused: 'not_applicable'; readonly status: string };

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

/** Reads the event and locks its row for the rest of the transaction; null when there is none. */
export async function lockEvent(tx: Prisma.TransactionClient, token: string): Promise<LockedEvent | null> {
  const [event] = await tx.$queryRaw<
    Array<{ seq: bigint; status: string; delivery_id: bigint | null; delivery_status: string | null }>
  >`
    SELECT e.seq, e.status::text AS status, d.id AS delivery_id, d.status::text AS delivery_status
    FROM events e LEFT JOIN result_deliveries d ON d."eventSeq" = e.seq AND d."supersededAt" IS NULL
    WHERE e.token = ${token} FOR UPDATE OF e`;
  return event
    ? { seq: event.seq, status: event.status, deliveryId: event.delivery_id, deliveryStatus: event.delivery_status }
    : null;
}

/**
 * Reopens a failed or refused event inside `tx` to run again from the fetch (the caller enqueues after the
 * commit). Needs `force` when AppDirect already has its answer (it then gets a second result).
 */
export async function reopenToRerun(
  tx: Prisma.TransactionClient,
  event: LockedEvent,
  force: boolean,
): Promise<ActionOutcome<'rerun'>> {
  if (!unsuccessful(event.status)) return { refused: 'not_applicable', status: event.status };
  const reported = failureReported({
    status: event.status,
    delivery: event.deliveryStatus ? { status: event.deliveryStatus } : null,
  });
  if (reported && !force) return { refused: 'needs_force' };
  await reopenForRerun(tx, event.seq);
  return { done: 'rerun', forced: reported };
}

/** Owes AppDirect the event's stored result again, when its delivery failed for good (the caller enqueues). */
export async function reopenToResend(
  tx: Prisma.TransactionClient,
  event: LockedEvent,
): Promise<ActionOutcome<'resend_result'>> {
  if (event.deliveryStatus !== 'failed' || event.deliveryId === null)
    return { refused: 'not_applicable', status: event.status };
  await tx.resultDelivery.update({ where: { id: event.deliveryId }, data: { status: 'pending', lastError: null } });
  return { done: 'resend_result', forced: false };
}

/** A retry of the event's own plan (retryPlanOf) inside `tx`. */
export async function reopenForRetry(
  tx: Prisma.TransactionClient,
  event: LockedEvent,
  force: boolean,
): Promise<ActionOutcome<RetryPlan>> {
  const plan = retryPlanOf({
    status: event.status,
    delivery: event.deliveryStatus ? { status: event.deliveryStatus } : null,
  });
  if (plan === 'resend_result') return reopenToResend(tx, event);
  if (plan === 'rerun') return reopenToRerun(tx, event, force);
  return { refused: 'not_applicable', status: event.status };
}

/** Starts what a committed retry owes: the event's job (delayed when paced), or its result's. */
export async function enqueueRetry(
  queues: AdminQueues,
  token: string,
  plan: RetryPlan,
  delayMs?: number,
): Promise<void> {
  if (plan === 'resend_result') await queues.ensureResultJob(token);
  else if (delayMs) await queues.enqueueEventDelayed(token, delayMs);
  else await queues.ensureEventJob(token);
}

/**
 * Retries one event: the change and its audit row commit together, then the job is started. Refused (nothing
 * changed): no such event, not retryable, or AppDirect already has its answer and `force` is not set.
 */
export async function retryEvent(
  ctx: ActionContext,
  token: string,
  options: { force?: boolean } = {},
): Promise<ActionOutcome<RetryPlan>> {
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<ActionOutcome<RetryPlan>> => {
    const event = await lockEvent(tx, token);
    if (!event) return { refused: 'not_found' };
    const reopened = await reopenForRetry(tx, event, options.force ?? false);
    if ('done' in reopened)
      await writeAudit(tx, {
        ...ctx.by,
        action: `events.retry.${reopened.done}${reopened.forced ? '.forced' : ''}`,
        target: token,
        count: 1,
      });
    return reopened;
  });
  if ('done' in outcome) await startAfterCommit(ctx, token, () => enqueueRetry(ctx.queues, token, outcome.done));
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
 * as it got, and answered BULK_RETRY_INTERRUPTED saying how far); events whose
 * answer AppDirect already received are skipped unless `force`, and counted.
 */
export async function bulkRetry(
  ctx: ActionContext,
  filter: EventFilter,
  options: { perSecond: number; max: number; force?: boolean },
): Promise<{ matched: number; queued: number; needsForce: number }> {
  const { prisma } = ctx;
  const force = options.force ?? false;
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
    let committed: { done: Array<{ token: string; plan: RetryPlan }>; needsForce: number };
    try {
      committed = await prisma.$transaction(async (tx) => {
        const done: Array<{ token: string; plan: RetryPlan }> = [];
        let skipped = 0;
        for (const { token } of batch) {
          const event = await lockEvent(tx, token);
          const outcome = event ? await reopenForRetry(tx, event, force) : { refused: 'not_found' as const };
          if ('done' in outcome) done.push({ token, plan: outcome.done });
          else if (outcome.refused === 'needs_force') skipped += 1;
        }
        await writeAudit(tx, {
          ...ctx.by,
          action: force ? 'events.bulk_retry.forced' : 'events.bulk_retry',
          filter: { ...filter, batch: batchNumber, firstToken: batch[0]!.token, lastToken: batch.at(-1)!.token },
          count: done.length,
        });
        return { done, needsForce: skipped };
      });
    } catch (error) {
      // Earlier batches are committed and running: the answer says so, rather than a bare 500.
      if (batchNumber === 1) throw error;
      throw new AppError(
        'BULK_RETRY_INTERRUPTED',
        { queued, matched },
        { details: { matched, queued, needsForce }, cause: error },
      );
    }
    needsForce += committed.needsForce;
    for (const { token, plan } of committed.done) {
      const delayMs = Math.floor((queued / options.perSecond) * 1000);
      await startAfterCommit(ctx, token, () => enqueueRetry(ctx.queues, token, plan, delayMs));
      queued += 1;
    }
    cursor = batch.at(-1)!.seq;
  }
  if (batchNumber === 0)
    await writeAudit(prisma, { ...ctx.by, action: 'events.bulk_retry', filter: { ...filter }, count: 0 });
  return { matched, queued, needsForce };
}

/**
 * Stops an unfinished event and owes AppDirect OPERATION_CANCELLED, audited in the same transaction. A worker
 * applying it at the same moment finds it cancelled when it tries to finish, and rolls back its changes.
 */
export async function cancelEvent(ctx: ActionContext, token: string): Promise<CancelOutcome> {
  const result = resultOf(false, {
    errorCode: 'OPERATION_CANCELLED',
    message: EVENT_ERROR_CODES.OPERATION_CANCELLED.userMessage,
  });
  const outcome = await cancelInboxEvent(ctx.prisma, token, result, (tx) =>
    writeAudit(tx, { ...ctx.by, action: 'events.cancel', target: token, count: 1 }),
  );
  if (outcome === 'cancelled') {
    await ctx.queues.removeEventJob(token).catch(() => undefined); // a running job finds the event cancelled
    await startAfterCommit(ctx, token, () => ctx.queues.ensureResultJob(token));
  }
  return outcome;
}
