/**
 * What operators do to events: run one again, re-send its result, retry it (its usual remedy: one of the
 * two), the same by filter, cancel one. Each change commits with its audit row; the job that carries it
 * out is started after the commit (context.ts). No HTTP here: the admin API, page and CLI come through these.
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

/** The two intents: run the event again from the fetch, or re-send the result it has. */
export type RetryPlan = 'rerun' | 'resend_result';
export const RETRY_ACTIONS = ['rerun', 'resend_result'] as const satisfies readonly RetryPlan[];

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
  | { readonly refused: 'not_applicable'; readonly status: string; readonly deliveryStatus: string | null };

const unsuccessful = (status: string) => (UNSUCCESSFUL_STATUSES as readonly string[]).includes(status);

/**
 * What a retry that names no intent does (the old single retry, kept for scripts): a failed event runs
 * again, whatever became of its result (the operator who reads "failed with TRANSPORT_ERROR" wants the
 * event run, not its failure re-sent); any other event whose result delivery failed gets it re-sent; a
 * refused event runs again; nothing otherwise.
 */
export function retryPlanOf(event: { status: string; delivery: { status: string } | null }): RetryPlan | null {
  if (event.status === 'failed') return 'rerun';
  if (event.delivery?.status === 'failed') return 'resend_result';
  if (event.status === 'refused') return 'rerun';
  return null;
}

/** Whether `plan` applies to the event (the page shows a button for each that does). */
export function canDo(plan: RetryPlan, event: { status: string; delivery: { status: string } | null }): boolean {
  return plan === 'rerun' ? unsuccessful(event.status) : event.delivery?.status === 'failed';
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
  if (!unsuccessful(event.status))
    return { refused: 'not_applicable', status: event.status, deliveryStatus: event.deliveryStatus };
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
    return { refused: 'not_applicable', status: event.status, deliveryStatus: event.deliveryStatus };
  await tx.resultDelivery.update({ where: { id: event.deliveryId }, data: { status: 'pending', lastError: null } });
  return { done: 'resend_result', forced: false };
}

/** Reopens a locked event inside `tx` for `action`, or for its own plan (retryPlanOf) when none is named. */
export async function reopenForRetry(
  tx: Prisma.TransactionClient,
  event: LockedEvent,
  options: { force: boolean; action?: RetryPlan },
): Promise<ActionOutcome<RetryPlan>> {
  const plan =
    options.action ??
    retryPlanOf({ status: event.status, delivery: event.deliveryStatus ? { status: event.deliveryStatus } : null });
  if (plan === 'resend_result') return reopenToResend(tx, event);
  if (plan === 'rerun') return reopenToRerun(tx, event, options.force);
  return { refused: 'not_applicable', status: event.status, deliveryStatus: event.deliveryStatus };
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
 * Retries one event: `action` runs it again or re-sends its result; without one, its own plan (retryPlanOf).
 * The change and its audit row (events.retry.rerun[.forced] or events.retry.resend_result, whichever way it
 * was asked) commit together, then the job is started. Refused (nothing changed): no such event, the action
 * does not apply, or AppDirect already has its answer and `force` is not set.
 */
export async function retryEvent(
  ctx: ActionContext,
  token: string,
  options: { force?: boolean; action?: RetryPlan } = {},
): Promise<ActionOutcome<RetryPlan>> {
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<ActionOutcome<RetryPlan>> => {
    const event = await lockEvent(tx, token);
    if (!event) return { refused: 'not_found' };
    const reopened = await reopenForRetry(tx, event, { force: options.force ?? false, action: options.action });
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

const deliveryFailed: Prisma.EventWhereInput = { deliveries: { some: { status: 'failed', supersededAt: null } } };
const NOTHING: Prisma.EventWhereInput = { seq: { lt: 0 } };

/** Events a retry would run again: every failed or refused one when asked to; by default as retryPlanOf. */
function rerunWhere(action: RetryPlan | undefined): Prisma.EventWhereInput {
  if (action === 'resend_result') return NOTHING;
  if (action === 'rerun') return { status: { in: [...UNSUCCESSFUL_STATUSES] } };
  return { OR: [{ status: 'failed' }, { status: 'refused', NOT: deliveryFailed }] };
}

/** Events a retry would re-send the result of: every one whose delivery failed, by default unless failed. */
function resendWhere(action: RetryPlan | undefined): Prisma.EventWhereInput {
  if (action === 'rerun') return NOTHING;
  if (action === 'resend_result') return deliveryFailed;
  return { AND: [deliveryFailed, { status: { not: 'failed' } }] };
}

/** What a retry of `filter` would do: how many events it matches, and how many of each it would do. */
export async function countRetryable(
  prisma: PrismaClient,
  filter: EventFilter,
  action?: RetryPlan,
): Promise<{ matched: number; rerun: number; resendResult: number }> {
  const where = whereOf(filter);
  const [rerun, resendResult] = await Promise.all([
    action === 'resend_result' ? 0 : prisma.event.count({ where: { AND: [where, rerunWhere(action)] } }),
    action === 'rerun' ? 0 : prisma.event.count({ where: { AND: [where, resendWhere(action)] } }),
  ]);
  return { matched: rerun + resendResult, rerun, resendResult };
}

const BULK_BATCH = 200;

export interface BulkRetryAnswer {
  matched: number;
  queued: number;
  rerun: number;
  resendResult: number;
  needsForce: number;
}

/**
 * Retries every event matching `filter` that `action` applies to (without one: each event's own plan),
 * `perSecond` at most: each job is delayed so the workers see a steady trickle, not a flood. Each batch
 * commits with its own audit row (events.bulk_retry[.rerun|.resend_result][.forced], with what it did), so
 * an interrupted bulk retry is audited as far as it got and answered BULK_RETRY_INTERRUPTED saying how far;
 * events whose answer AppDirect already received are skipped unless `force`, and counted.
 */
export async function bulkRetry(
  ctx: ActionContext,
  filter: EventFilter,
  options: { perSecond: number; max: number; force?: boolean; action?: RetryPlan },
): Promise<BulkRetryAnswer> {
  const { prisma } = ctx;
  const force = options.force ?? false;
  const { matched } = await countRetryable(prisma, filter, options.action);
  const where = { AND: [whereOf(filter), { OR: [rerunWhere(options.action), resendWhere(options.action)] }] };
  const answer: BulkRetryAnswer = { matched, queued: 0, rerun: 0, resendResult: 0, needsForce: 0 };
  const auditAction = `events.bulk_retry${options.action ? `.${options.action}` : ''}${force && options.action !== 'resend_result' ? '.forced' : ''}`;
  let cursor: bigint | undefined;
  let batchNumber = 0;
  while (answer.queued < Math.min(matched, options.max)) {
    const batch = await prisma.event.findMany({
      where: { ...where, ...(cursor ? { seq: { gt: cursor } } : {}) },
      orderBy: { seq: 'asc' },
      take: Math.min(BULK_BATCH, options.max - answer.queued),
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
          const outcome = event
            ? await reopenForRetry(tx, event, { force, action: options.action })
            : { refused: 'not_found' as const };
          if ('done' in outcome) done.push({ token, plan: outcome.done });
          else if (outcome.refused === 'needs_force') skipped += 1;
        }
        await writeAudit(tx, {
          ...ctx.by,
          action: auditAction,
          filter: {
            ...filter,
            batch: batchNumber,
            firstToken: batch[0]!.token,
            lastToken: batch.at(-1)!.token,
            rerun: done.filter((d) => d.plan === 'rerun').length,
            resendResult: done.filter((d) => d.plan === 'resend_result').length,
            needsForce: skipped,
          },
          count: done.length,
        });
        return { done, needsForce: skipped };
      });
    } catch (error) {
      // Earlier batches are committed and running: the answer says so, rather than a bare 500.
      if (batchNumber === 1) throw error;
      throw new AppError(
        'BULK_RETRY_INTERRUPTED',
        { queued: answer.queued, matched },
        { details: answer, cause: error },
      );
    }
    answer.needsForce += committed.needsForce;
    for (const { token, plan } of committed.done) {
      const delayMs = Math.floor((answer.queued / options.perSecond) * 1000);
      await startAfterCommit(ctx, token, () => enqueueRetry(ctx.queues, token, plan, delayMs));
      answer.queued += 1;
      if (plan === 'rerun') answer.rerun += 1;
      else answer.resendResult += 1;
    }
    cursor = batch.at(-1)!.seq;
  }
  if (batchNumber === 0) await writeAudit(prisma, { ...ctx.by, action: auditAction, filter: { ...filter }, count: 0 });
  return answer;
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
