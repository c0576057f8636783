/**
 * The calls an event made to the vendor's product, with every attempt (for the admin API beside the
 * event's timeline), and what an operator may do about them: re-send a notify call the product has not
 * taken, re-ask a decision the event is waiting for (or, once it was answered PENDING, run it again).
 */
import type { PrismaClient } from '../db/client';
import { forgetProductWait } from '../inbox/transitions';
import { retryEvent, writeAudit, type Actor, type RetryQueues } from './events';

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

/**
 * Re-sends a notify call the product has not taken yet (now, same webhook-id), audited. `callId` is as given
 * (a path parameter); false: not a call id, or no such call owed.
 */
export async function resendProductCall(
  prisma: PrismaClient,
  queues: { ensureHookJob(id: bigint): Promise<boolean> },
  token: string,
  callId: string,
  by: Actor,
): Promise<boolean> {
  if (!/^\d{1,19}$/.test(callId)) return false;
  const call = await prisma.hookCall.findFirst({
    where: { id: BigInt(callId), eventToken: token, mode: 'notify', done: false },
    select: { id: true },
  });
  if (!call) return false;
  await queues.ensureHookJob(call.id);
  await writeAudit(prisma, { ...by, action: 'product_calls.resend', target: `${token}#${call.id}`, count: 1 });
  return true;
}

/**
 * Re-asks the product for the event's decision, audited: a waiting event is asked again now, with a fresh
 * deadline; a failed one (answered PENDING, or refused) is run again from the start. Null: neither applies.
 */
export async function reaskProduct(
  prisma: PrismaClient,
  queues: RetryQueues & { promoteEvent(token: string): Promise<void> },
  token: string,
  by: Actor,
): Promise<'reasked' | 'rerun' | null> {
  let outcome: 'reasked' | 'rerun' | null = null;
  if (await forgetProductWait(prisma, token)) {
    await queues.ensureEventJob(token);
    await queues.promoteEvent(token);
    outcome = 'reasked';
  } else if ((await retryEvent(prisma, queues, token)) === 'rerun') {
    outcome = 'rerun';
  }
  if (outcome) await writeAudit(prisma, { ...by, action: `product_calls.reask.${outcome}`, target: token, count: 1 });
  return outcome;
}
