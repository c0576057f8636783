/**
 * Writing an event's final state: status, result, the result delivery owed to AppDirect and the hook
 * calls, always in one transaction with whatever the apply changed, so a re-run after a crash finds the
 * work done. The one statement also writes the delivery and hook-call rows (owned by report/ and
 * hooks/): one round trip, and they can never exist without the final state or the other way round.
 */
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';
import type { EventErrorCode } from '../errors/catalogue';
import { EventFinishedElsewhereError } from '../errors/internal';
import type { PlannedCall } from '../hooks/decide';
import type { HookCallRecord } from '../hooks/kinds';
import type { ResultBody } from '../marketplace/client';
import { resultUrlFor } from '../marketplace/event-url';
import type { OwedDelivery } from '../report/deliver';
import { FINAL_SQL, finalStatusOf, UNFINISHED_SQL } from './statuses';

export interface FinalOutcome {
  readonly result: ResultBody;
  /** The product calls: notify calls owed after commit, decide calls answered (written done). */
  readonly calls: readonly PlannedCall[];
  /** For a new account (SUBSCRIPTION_ORDER) the event is filed under it. */
  readonly accountId?: string;
}

export interface FinishedRows {
  readonly hookCalls: HookCallRecord[];
  /** Null when no result POST is owed (answered synchronously). */
  readonly delivery: OwedDelivery | null;
  /** The account's next unfinished event after this one, seen under the account lock (null: none). */
  readonly nextOfAccount: string | null;
  /** The account the event is filed under once finished (null: none, e.g. a ping). */
  readonly accountId: string | null;
  /** Whether the account had notify calls not yet taken before this event's (they go first). */
  readonly callsOwedBefore: boolean;
}

export interface AttemptInfo {
  readonly workerId: string;
  readonly attempt: number;
  readonly startedAt: Date;
}

export function resultOf(
  success: true,
  extra?: { accountIdentifier?: string; userIdentifier?: string; message?: string },
): ResultBody;
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
 * back in the HTTP answer, so no result POST is owed. Returns the hook calls and
 * the delivery it wrote, for the caller to start right after commit.
 */
export async function finishEvent(
  sql: Sql,
  event: { seq: bigint; token: string; marketplaceBaseUrl: string; development: boolean; consumerKey: string | null },
  outcome: FinalOutcome,
  attempt: AttemptInfo,
  options: {
    answeredSynchronously: boolean;
    lastError?: string;
    /** Counts the attempt here: the event was not claimed first (a group commit, src/inbox/group.ts). */
    countsAttempt?: boolean;
  },
): Promise<FinishedRows> {
  const { result } = outcome;
  const now = new Date();
  const status = finalStatusOf(result);
  const attemptOutcome = result.success ? 'succeeded' : options.lastError ? 'failed' : 'business_error';
  const attemptError = options.lastError ?? (result.success ? null : (result.message ?? null));
  const hooks = outcome.calls.map((call) => ({
    kind: call.kind,
    accountId: call.accountId,
    mode: call.mode,
    args: call.call,
    answer: call.answer,
  }));
  // One statement (one round trip) writes the final state, the result owed, the attempt and the hook calls.
  const resultUrl = resultUrlFor(event.marketplaceBaseUrl, event.token);
  const rows = await sql<{
    id: bigint | null;
    kind: string | null;
    mode: string | null;
    args: unknown;
    accountId: string | null;
    finished: bigint;
    finishedAccountId: string | null;
    deliveryId: bigint | null;
    nextOfAccount: string | null;
    callsOwedBefore: boolean | null;
  }>(Prisma.sql`
    WITH finished AS (
      UPDATE events SET
        status = ${status}::"EventStatus",
        result = ${JSON.stringify(result)}::jsonb,
        "errorCode" = ${result.errorCode ?? null},
        "finishedAt" = ${now},
        "pendingSince" = NULL,
        "lastError" = ${options.lastError ?? null},
        "accountId" = COALESCE(${outcome.accountId ?? null}, "accountId"),
        attempts = attempts + ${options.countsAttempt ? 1 : 0},
        "startedAt" = COALESCE("startedAt", ${attempt.startedAt}),
        "updatedAt" = ${now}
      WHERE seq = ${event.seq} AND status NOT IN (${FINAL_SQL})
      RETURNING seq, "accountId"
    ), next_of_account AS (
      SELECT n.token FROM events n JOIN finished f ON n."accountId" = f."accountId"
      WHERE n.seq > f.seq AND n.status IN (${UNFINISHED_SQL})
      ORDER BY n.seq LIMIT 1
    ), delivery AS (
      INSERT INTO result_deliveries ("eventSeq", "resultUrl", body, status, "updatedAt")
      SELECT seq, ${resultUrl}, ${JSON.stringify(result)}::jsonb,
             ${options.answeredSynchronously ? 'not_required' : 'pending'}::"DeliveryStatus", ${now}
      FROM finished
      RETURNING id
    ), attempt AS (
      INSERT INTO event_attempts ("eventSeq", attempt, "workerId", outcome, "errorCode", error, "startedAt", "durationMs")
      SELECT seq, ${attempt.attempt}, ${attempt.workerId}, ${attemptOutcome}::"AttemptOutcome", ${result.errorCode ?? null},
             ${attemptError}, ${attempt.startedAt}, ${now.getTime() - attempt.startedAt.getTime()}
      FROM finished
    ), hooks AS (
      INSERT INTO hook_calls ("accountId", "eventToken", kind, mode, args, answer, development, done, "doneAt", attempts)
      SELECT h->>'accountId', ${event.token}, h->>'kind', h->>'mode', h->'args', NULLIF(h->'answer', 'null'::jsonb), ${event.development},
             h->>'mode' = 'decide', CASE WHEN h->>'mode' = 'decide' THEN ${now}::timestamptz END, (h->>'mode' = 'decide')::int
      FROM jsonb_array_elements(${JSON.stringify(hooks)}::jsonb) AS h
      RETURNING id, kind, mode, args, "accountId"
    )
    SELECT hooks.id, hooks.kind, hooks.mode, hooks.args, hooks."accountId", (SELECT count(*) FROM finished) AS finished, (SELECT "accountId" FROM finished) AS "finishedAccountId", (SELECT id FROM delivery) AS "deliveryId",
           (SELECT token FROM next_of_account) AS "nextOfAccount",
           EXISTS (SELECT 1 FROM hook_calls o JOIN finished f ON o."accountId" = f."accountId"
                   WHERE o.done = false AND o.mode = 'notify') AS "callsOwedBefore"
    FROM (SELECT 1) AS one LEFT JOIN hooks ON true`);
  if (Number(rows[0]?.finished ?? 0) === 0) {
    // An operator cancelled it meanwhile: throwing rolls the whole transaction (the apply too) back.
    throw new EventFinishedElsewhereError(event.token);
  }
  const deliveryId = rows[0]?.deliveryId ?? null;
  return {
    // Decide calls were answered before this statement; only notify calls are owed.
    hookCalls: rows.flatMap((row) =>
      row.id === null || row.mode !== 'notify'
        ? []
        : [{ id: row.id, kind: row.kind ?? '', call: row.args, accountId: row.accountId, eventToken: event.token }],
    ),
    delivery:
      deliveryId === null || options.answeredSynchronously
        ? null
        : { id: deliveryId, resultUrl, body: result, attempts: 0, consumerKey: event.consumerKey },
    nextOfAccount: rows[0]?.nextOfAccount ?? null,
    accountId: rows[0]?.finishedAccountId ?? null,
    // The statement's snapshot does not see the calls it inserts itself: these are the earlier ones.
    callsOwedBefore: rows[0]?.callsOwedBefore !== false,
  };
}
