/**
 * The calls an event made to the vendor's product, with every attempt (for the admin API beside the
 * event's timeline), and what an operator may do about them: re-send a notify call the product has not
 * taken, re-ask a decision the event is waiting for (or, once it was answered PENDING, run it again).
 */
import type { PrismaClient } from '../db/client';
import { forgetProductWait } from '../inbox/transitions';
import { writeAudit } from './audit';
import { startAfterCommit, type ActionContext } from './context';
import { enqueueRetry, lockEvent, reopenToRerun, type ActionOutcome } from './event-actions';

export async function productCallsOf(prisma: PrismaClient, token: string) {
  const [calls, attempts] = await Promise.all([
    prisma.hookCall.findMany({ where: { eventToken: token }, orderBy: { id: 'asc' } }),
    prisma.productCallAttempt.findMany({ where: { eventToken: token }, orderBy: { id: 'asc' }, take: 500 }),
  ]);
  const view = (attempt: (typeof attempts)[number]) => ({
    requestId: attempt.idempotencyKey,
    transport: attempt.transport,
    outcome: attempt.outcome,
    httpStatus: attempt.httpStatus,
    durationMs: attempt.durationMs,
    answer: attempt.answer,
    error: attempt.error,
    at: attempt.at,
  });
  return {
    calls: calls.map((call) => ({
      id: call.id.toString(),
      kind: call.kind,
      mode: call.mode,
      accountIdentifier: call.accountId,
      done: call.done,
      attempts: call.attempts,
      lastError: call.lastError,
      answer: call.answer,
      call: call.args,
      doneAt: call.doneAt,
      timeline: attempts.filter((attempt) => attempt.hookCallId === call.id).map(view),
    })),
    /** Decide attempts (the accepted one is also a call above; refused, pending and failed ones only here). */
    decisions: attempts
      .filter((attempt) => attempt.hookCallId === null)
      .map((attempt) => ({ kind: attempt.kind, ...view(attempt) })),
  };
}

/** Largest hook_calls.id (BIGINT): a longer number is no call of ours, not a query error. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * Re-sends now (same webhook-id) a notify call the product has not taken yet: the audit row commits while the
 * call's row is locked and still owed, then its job is started, or moved ahead of its backoff. `callId` is as
 * given (a path parameter); false (nothing changed): not a call id, or no such call owed.
 */
export async function resendProductCall(ctx: ActionContext, token: string, callId: string): Promise<boolean> {
  if (!/^\d{1,19}$/.test(callId) || BigInt(callId) > BIGINT_MAX) return false;
  const id = BigInt(callId);
  const owed = await ctx.prisma.$transaction(async (tx) => {
    const [call] = await tx.$queryRaw<Array<{ id: bigint }>>`
      SELECT id FROM hook_calls
      WHERE id = ${id} AND "eventToken" = ${token} AND mode = 'notify' AND done = false FOR UPDATE`;
    if (!call) return false;
    await writeAudit(tx, { ...ctx.by, action: 'product_calls.resend', target: `${token}#${id}`, count: 1 });
    return true;
  });
  if (owed)
    await startAfterCommit(ctx, token, async () => {
      await ctx.queues.ensureHookJob(id);
      await ctx.queues.promoteHook(id);
    });
  return owed;
}

/**
 * Re-asks the product for the event's decision, audited in the transaction of the change: an event waiting
 * for it is asked again now, with a fresh deadline ('reasked'); a failed or refused one (answered PENDING at
 * its deadline, or refused) runs again from the start ('rerun', which needs `force` once AppDirect has its
 * answer). Never anything else: a result whose delivery failed is re-sent by a retry, not a re-ask.
 */
export async function reaskProduct(
  ctx: ActionContext,
  token: string,
  options: { force?: boolean } = {},
): Promise<ActionOutcome<'reasked' | 'rerun'>> {
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<ActionOutcome<'reasked' | 'rerun'>> => {
    const event = await lockEvent(tx, token);
    if (!event) return { refused: 'not_found' };
    const chosen: ActionOutcome<'reasked' | 'rerun'> = (await forgetProductWait(tx, token))
      ? { done: 'reasked', forced: false }
      : await reopenToRerun(tx, event, options.force ?? false);
    if ('done' in chosen)
      await writeAudit(tx, {
        ...ctx.by,
        action: `product_calls.reask.${chosen.done}${chosen.forced ? '.forced' : ''}`,
        target: token,
        count: 1,
      });
    return chosen;
  });
  if ('done' in outcome)
    await startAfterCommit(ctx, token, async () => {
      if (outcome.done === 'rerun') return enqueueRetry(ctx.queues, token, 'rerun');
      await ctx.queues.ensureEventJob(token);
      await ctx.queues.promoteEvent(token);
    });
  return outcome;
}
