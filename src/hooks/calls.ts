/**
 * Calls as the contract defines them, built from what an apply function asked to tell the product, and the
 * record of every attempt to make one (product_call_attempts).
 */
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import { CALL_SCHEMAS, CONTRACT_VERSION, type CallMode, type ProductCall } from './contract';
import type { HookKind } from './kinds';
import type { CallRecord } from './product';

/** What an apply function asks to tell the product (src/events/apply). */
export interface CallIntent {
  readonly kind: HookKind;
  readonly accountId?: string;
  readonly args: Prisma.InputJsonObject;
}

/** The event a call comes from. */
export interface CallSource {
  readonly token: string;
  readonly development: boolean;
  readonly marketplaceBaseUrl: string;
  readonly receivedAt: Date;
}

/**
 * The call for an intent, checked against the contract: an apply function writing something else is a
 * defect caught here, before anything reaches the product.
 */
export function buildCall(intent: CallIntent, source: CallSource, mode: CallMode): ProductCall {
  const call = {
    type: intent.kind,
    version: CONTRACT_VERSION,
    mode,
    eventToken: source.token,
    accountIdentifier: intent.accountId ?? null,
    development: source.development,
    marketplaceBaseUrl: source.marketplaceBaseUrl,
    receivedAt: source.receivedAt.toISOString(),
    data: JSON.parse(JSON.stringify(intent.args)) as unknown,
  };
  return CALL_SCHEMAS[intent.kind].parse(call) as ProductCall;
}

/** The key a product de-duplicates on (`webhook-id`): the same on every attempt, and after a crash. */
export const notifyKey = (hookCallId: bigint): string => `call_${hookCallId}`;
/** A decision is asked again (same key) until it is answered, whatever the number of runs of the event. */
export const decideKey = (eventToken: string, kind: HookKind): string => `decide_${eventToken}_${kind}`;

export interface AttemptRecord {
  readonly eventToken: string;
  readonly hookCallId?: bigint | null;
  readonly kind: HookKind;
  readonly mode: CallMode;
  readonly idempotencyKey: string;
  readonly transport: string;
  readonly record: CallRecord;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** The INSERT of one attempt row (alone in recordAttempt, or inside recordedAndDone's statement). */
function attemptInsert(attempt: AttemptRecord): Prisma.Sql {
  const { record } = attempt;
  return Prisma.sql`
    INSERT INTO product_call_attempts ("eventToken", "hookCallId", kind, mode, "idempotencyKey", transport, outcome,
                                       "httpStatus", "durationMs", answer, error)
    VALUES (${attempt.eventToken}, ${attempt.hookCallId ?? null}, ${attempt.kind}, ${attempt.mode},
            ${attempt.idempotencyKey}, ${attempt.transport}, ${record.outcome}, ${record.httpStatus ?? null},
            ${Math.round(record.durationMs)}, ${json(record.answer)}::jsonb, ${record.error?.slice(0, 2000) ?? null})`;
}

/**
 * The attempt that completed a notify call, and the call marked done (with the product's answer, when it
 * gave one), in one statement outside any transaction.
 */
export async function recordedAndDone(
  db: SqlSource,
  attempt: AttemptRecord & { readonly hookCallId: bigint },
  answer: Prisma.InputJsonValue | undefined,
  /** The account an accountCreated call provisions: its later events may run once the call is taken. */
  provisions: string | null = null,
): Promise<void> {
  const now = new Date();
  await pooledSql(db)(Prisma.sql`
    WITH attempt AS (${attemptInsert(attempt)}),
    provisioned AS (
      UPDATE accounts SET "provisioningStatus" = 'done', "updatedAt" = ${now} WHERE id = ${provisions}
    )
    UPDATE hook_calls SET done = true, "doneAt" = ${now}, attempts = attempts + 1, "lastError" = NULL,
                          answer = COALESCE(${json(answer)}::jsonb, answer)
    WHERE id = ${attempt.hookCallId}`);
}

/** Keeps one attempt for operators. Never fails the caller: a lost attempt record must not fail the call. */
export async function recordAttempt(db: SqlSource, attempt: AttemptRecord): Promise<void> {
  await pooledSql(db)(attemptInsert(attempt)).catch(() => undefined);
}
