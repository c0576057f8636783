/**
 * Writing events' final state: status, result, the result delivery owed to AppDirect, the attempt and the
 * product calls, in the transaction of whatever their apply changed, so a re-run after a crash finds the work
 * done. One statement finishes every event a run decided (set-based: one round trip however many), and also
 * writes the delivery and call rows (owned by report/ and hooks/): they can never exist without the final
 * state or the other way round.
 */
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';
import type { EventErrorCode } from '../errors/catalogue';
import type { PlannedCall } from '../hooks/decide';
import type { HookCallRecord } from '../hooks/kinds';
import type { ResultBody } from '../marketplace/client';
import { resultUrlFor } from '../marketplace/event-url';
import type { OwedDelivery } from '../report/deliver';
import { finalStatusOf, UNFINISHED_SQL } from './statuses';

export interface FinalOutcome {
  readonly result: ResultBody;
  /** The product calls: notify calls owed after commit, decide calls answered (written done). */
  readonly calls: readonly PlannedCall[];
  /** For a new account (SUBSCRIPTION_ORDER) the event is filed under it. */
  readonly accountId?: string;
  /** Why the service could not do the work (the result is then a failure): operators read it in lastError. */
  readonly lastError?: string;
}

export interface AttemptInfo {
  readonly workerId: string;
  readonly attempt: number;
  readonly startedAt: Date;
}

/** One event to finish, as its run decided it. */
export interface Finishing {
  readonly event: {
    readonly seq: bigint;
    readonly token: string;
    readonly marketplaceBaseUrl: string;
    readonly development: boolean;
    readonly consumerKey: string | null;
  };
  readonly outcome: FinalOutcome;
  readonly attempt: AttemptInfo;
  /** The result went back in the HTTP answer (or AppDirect takes none): no result POST is owed. */
  readonly answeredSynchronously: boolean;
  /** Count the attempt here: the event was not claimed before its run (it was reached by another's). */
  readonly countsAttempt: boolean;
}

/** What finishing one event wrote, for the caller to start right after commit. */
export interface FinishedRows {
  readonly token: string;
  /** Notify calls owed, in order (decide calls were answered before: they are written done). */
  readonly hookCalls: HookCallRecord[];
  /** Null when no result POST is owed. */
  readonly delivery: OwedDelivery | null;
  /** The account the event is filed under once finished (null: none, e.g. a ping). */
  readonly accountId: string | null;
}

export interface FinishedRun {
  /** Per event finished, in the order given; an event already final (finished elsewhere) is left out. */
  readonly events: FinishedRows[];
  /**
   * The account's first unfinished event besides these, in arrival order, seen in this transaction: the next
   * one to decide (it may come before them, when a notice ran ahead of it).
   */
  readonly nextOfAccount: string | null;
  /** Whether the account had notify calls not yet taken before these events' (they go first). */
  readonly callsOwedBefore: boolean;
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

interface FinishRow {
  finished: Array<{ seq: string; accountId: string | null }> | null;
  deliveries: Array<{ seq: string; id: string }> | null;
  hooks: Array<{
    id: string;
    kind: string;
    mode: string;
    args: unknown;
    accountId: string | null;
    token: string;
  }> | null;
  nextOfAccount: string | null;
  callsOwedBefore: boolean;
}

/**
 * Marks `items` finished, in one statement, inside the caller's transaction (or alone: it is atomic by
 * itself). An event no longer unfinished is left as it is, and out of the answer.
 */
export async function finishEvents(sql: Sql, items: readonly Finishing[]): Promise<FinishedRun> {
  if (items.length === 0) return { events: [], nextOfAccount: null, callsOwedBefore: false };
  const now = new Date();
  const column = <T>(pick: (item: Finishing) => T) => items.map(pick);
  const results = items.map(({ outcome }) => outcome.result);
  const hooks = items.flatMap(({ event, outcome }) =>
    outcome.calls.map((call) => ({
      seq: event.seq.toString(),
      token: event.token,
      development: event.development,
      kind: call.kind,
      accountId: call.accountId,
      mode: call.mode,
      args: call.call,
      answer: call.answer,
    })),
  );
  const [row] = await sql<FinishRow>(Prisma.sql`
    WITH input AS (
      SELECT * FROM unnest(
        ${column(({ event }) => event.seq.toString())}::bigint[], ${results.map((r) => finalStatusOf(r))}::text[],
        ${results.map((r) => JSON.stringify(r))}::jsonb[], ${results.map((r) => r.errorCode ?? null)}::text[],
        ${column(({ outcome }) => outcome.lastError?.slice(0, 2000) ?? null)}::text[],
        ${column(({ outcome }) => outcome.accountId ?? null)}::text[],
        ${column(({ event }) => resultUrlFor(event.marketplaceBaseUrl, event.token))}::text[],
        ${column(({ answeredSynchronously }) => answeredSynchronously)}::boolean[],
        ${column(({ attempt }) => attempt.attempt)}::int[], ${column(({ attempt }) => attempt.workerId)}::text[],
        ${column(({ attempt }) => attempt.startedAt.toISOString())}::timestamptz[],
        ${column(({ attempt }) => now.getTime() - attempt.startedAt.getTime())}::int[],
        ${column(({ countsAttempt }) => countsAttempt)}::boolean[]
      ) AS i(seq, status, result, code, last_error, account_id, result_url, answered, attempt, worker, started_at,
             duration, counts)
    ), finished AS (
      UPDATE events e SET
        status = i.status::"EventStatus", result = i.result, "errorCode" = i.code, "finishedAt" = ${now},
        "pendingSince" = NULL, "lastError" = i.last_error, "accountId" = COALESCE(i.account_id, e."accountId"),
        attempts = e.attempts + i.counts::int, "startedAt" = COALESCE(e."startedAt", i.started_at), "updatedAt" = ${now}
      FROM input i
      WHERE e.seq = i.seq AND e.status IN (${UNFINISHED_SQL})
      RETURNING e.seq, e."accountId"
    ), delivery AS (
      INSERT INTO result_deliveries ("eventSeq", "resultUrl", body, status, "updatedAt")
      SELECT i.seq, i.result_url, i.result, CASE WHEN i.answered THEN 'not_required' ELSE 'pending' END::"DeliveryStatus",
             ${now}
      FROM input i JOIN finished f ON f.seq = i.seq
      RETURNING id, "eventSeq"
    ), attempt AS (
      INSERT INTO event_attempts ("eventSeq", attempt, "workerId", outcome, "errorCode", error, "startedAt", "durationMs")
      SELECT i.seq, i.attempt, i.worker,
             (CASE WHEN i.status = 'succeeded' THEN 'succeeded' WHEN i.last_error IS NOT NULL THEN 'failed'
                   ELSE 'business_error' END)::"AttemptOutcome",
             i.code, COALESCE(i.last_error, CASE WHEN i.status = 'succeeded' THEN NULL ELSE i.result->>'message' END),
             i.started_at, i.duration
      FROM input i JOIN finished f ON f.seq = i.seq
    ), hooks AS (
      INSERT INTO hook_calls ("accountId", "eventToken", kind, mode, args, answer, development, done, "doneAt", attempts)
      SELECT h.value->>'accountId', h.value->>'token', h.value->>'kind', h.value->>'mode', h.value->'args',
             NULLIF(h.value->'answer', 'null'::jsonb), (h.value->>'development')::boolean, h.value->>'mode' = 'decide',
             CASE WHEN h.value->>'mode' = 'decide' THEN ${now}::timestamptz END, (h.value->>'mode' = 'decide')::int
      FROM jsonb_array_elements(${JSON.stringify(hooks)}::jsonb) WITH ORDINALITY AS h(value, ord)
      JOIN finished f ON f.seq = (h.value->>'seq')::bigint
      ORDER BY h.ord
      RETURNING id, kind, mode, args, "accountId", "eventToken"
    )
    SELECT
      (SELECT json_agg(json_build_object('seq', seq::text, 'accountId', "accountId")) FROM finished) AS finished,
      (SELECT json_agg(json_build_object('seq', "eventSeq"::text, 'id', id::text)) FROM delivery) AS deliveries,
      (SELECT json_agg(json_build_object('id', id::text, 'kind', kind, 'mode', mode, 'args', args,
                                         'accountId', "accountId", 'token', "eventToken") ORDER BY id)
       FROM hooks) AS hooks,
      -- The statement sees the events as they were before it: the ones it finished are left out by hand.
      (SELECT n.token FROM events n
       WHERE n."accountId" = (SELECT "accountId" FROM finished ORDER BY seq DESC LIMIT 1)
         AND n.status IN (${UNFINISHED_SQL}) AND n.seq NOT IN (SELECT seq FROM input)
       ORDER BY n.seq LIMIT 1) AS "nextOfAccount",
      EXISTS (SELECT 1 FROM hook_calls o JOIN finished f ON o."accountId" = f."accountId"
              WHERE o.done = false AND o.mode = 'notify') AS "callsOwedBefore"`);
  const finished = new Map((row?.finished ?? []).map((f) => [f.seq, f.accountId]));
  const deliveries = new Map((row?.deliveries ?? []).map((d) => [d.seq, BigInt(d.id)]));
  const events: FinishedRows[] = [];
  for (const item of items) {
    const seq = item.event.seq.toString();
    if (!finished.has(seq)) continue;
    const deliveryId = deliveries.get(seq);
    events.push({
      token: item.event.token,
      hookCalls: (row?.hooks ?? [])
        .filter((hook) => hook.token === item.event.token && hook.mode === 'notify')
        .map((hook) => ({
          id: BigInt(hook.id),
          kind: hook.kind,
          call: hook.args,
          accountId: hook.accountId,
          eventToken: item.event.token,
        })),
      delivery:
        deliveryId === undefined || item.answeredSynchronously
          ? null
          : {
              id: deliveryId,
              resultUrl: resultUrlFor(item.event.marketplaceBaseUrl, item.event.token),
              body: item.outcome.result,
              attempts: 0,
              consumerKey: item.event.consumerKey,
            },
      accountId: finished.get(seq) ?? null,
    });
  }
  return {
    events,
    nextOfAccount: row?.nextOfAccount ?? null,
    // The statement's snapshot does not see the calls it inserts itself: these are the earlier ones.
    callsOwedBefore: row?.callsOwedBefore !== false,
  };
}
