/**
 * Writing an event's final state: status, result, the result delivery owed to
 * AppDirect and the hook calls, always in one transaction with whatever the
 * apply changed, so a re-run after a crash finds the work done.
 */
import type { Prisma } from '../db/client';
import type { EventErrorCode } from '../errors/catalogue';
import type { HookIntent } from '../events/apply';
import type { ResultBody } from '../marketplace/client';
import { resultUrlFor } from '../marketplace/event-url';

export interface FinalOutcome {
  readonly result: ResultBody;
  readonly hooks: readonly HookIntent[];
  /** For a new account (SUBSCRIPTION_ORDER) the event is filed under it. */
  readonly accountId?: string;
}

export interface AttemptInfo {
  readonly workerId: string;
  readonly attempt: number;
  readonly startedAt: Date;
}

export function resultOf(success: true, extra?: { accountIdentifier?: string; userIdentifier?: string; message?: string }): ResultBody;
export function resultOf(success: false, extra: { errorCode: EventErrorCode; message: string }): ResultBody;
export function resultOf(
  success: boolean,
  extra: { accountIdentifier?: string; userIdentifier?: string; errorCode?: string; message?: string } = {},
): ResultBody {
  // AppDirect's SDK omits empty fields; so do we.
  const body: { -readonly [K in keyof ResultBody]: ResultBody[K] } = { success };
  if (extra.accountIdentifier) body.accountIdentifier = extra.accountIdentifier;
  if (extra.userIdentifier) body.userIdentifier = extra.userIdentifier;
  if (extra.errorCode) body.errorCode = extra.errorCode;
  if (extra.message) body.message = extra.message;
  return body;
}

/**
 * Marks the event finished inside `tx`. `answeredSynchronously`: the result went
 * back in the HTTP answer, so no result POST is owed. Returns the ids of the
 * hook calls to schedule after commit.
 */
export async function finishEvent(
  tx: Prisma.TransactionClient,
  event: { seq: bigint; token: string; marketplaceBaseUrl: string; development: boolean },
  outcome: FinalOutcome,
  attempt: AttemptInfo,
  options: { answeredSynchronously: boolean; lastError?: string },
): Promise<bigint[]> {
  const { result } = outcome;
  const now = new Date();
  await tx.event.update({
    where: { seq: event.seq },
    data: {
      status: result.success ? 'succeeded' : 'failed',
      result: result as unknown as Prisma.InputJsonObject,
      errorCode: result.errorCode ?? null,
      finishedAt: now,
      pendingSince: null,
      lastError: options.lastError ?? null,
      ...(outcome.accountId ? { accountId: outcome.accountId } : {}),
    },
  });
  await tx.resultDelivery.create({
    data: {
      eventSeq: event.seq,
      resultUrl: resultUrlFor(event.marketplaceBaseUrl, event.token),
      body: result as unknown as Prisma.InputJsonObject,
      status: options.answeredSynchronously ? 'not_required' : 'pending',
    },
  });
  await tx.eventAttempt.create({
    data: {
      eventSeq: event.seq,
      attempt: attempt.attempt,
      workerId: attempt.workerId,
      outcome: result.success ? 'succeeded' : options.lastError ? 'failed' : 'business_error',
      errorCode: result.errorCode ?? null,
      error: options.lastError ?? (result.success ? null : (result.message ?? null)),
      startedAt: attempt.startedAt,
      durationMs: now.getTime() - attempt.startedAt.getTime(),
    },
  });
  const hookIds: bigint[] = [];
  for (const hook of outcome.hooks) {
    const call = await tx.hookCall.create({
      data: { accountId: hook.accountId ?? null, eventToken: event.token, kind: hook.kind, args: hook.args, development: event.development },
    });
    hookIds.push(call.id);
  }
  return hookIds;
}
