import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import type { Logger } from '../logging/logger';
import { buildCall, notifyKey, recordAttempt, recordedAndDone } from './calls';
import { CALL_SCHEMAS, type ProductCall } from './contract';
import { ProductCallFailure } from './failure';
import { isHookKind, type HookCallRecord, type HookKind } from './kinds';
import type { CallRecord, ProductConnection } from './product';

export interface HookCallDeps {
  readonly db: SqlSource;
  readonly product: ProductConnection;
  readonly logger: Logger;
}

/** What became of a call: taken by the product, nothing to do (done already), or an earlier call of its account is still owed. */
export type HookCallOutcome = 'done' | 'skipped' | 'waiting';

/** The most calls one worker sends in a row for an account after one is taken. */
const DRAIN_MAX = 100;

/**
 * Makes a notify call, then the account's next owed calls (they waited for it, in order), up to DRAIN_MAX.
 * Throws like runHookCall when the first call fails; a later call that fails is left to its own job.
 */
export async function runHookCallsOfAccount(
  deps: HookCallDeps,
  first: bigint | HookCallRecord,
): Promise<HookCallOutcome> {
  const outcome = await runHookCall(deps, first);
  if (outcome !== 'done') return outcome;
  const firstId = typeof first === 'bigint' ? first : first.id;
  const accountId =
    typeof first === 'bigint'
      ? (
          await pooledSql(deps.db)<{ accountId: string | null }>(
            Prisma.sql`SELECT "accountId" FROM hook_calls WHERE id = ${first}`,
          )
        )[0]?.accountId
      : first.accountId;
  if (!accountId) return outcome;
  let after = firstId;
  for (let sent = 0; sent < DRAIN_MAX; sent += 1) {
    const next = await nextOwed(deps.db, accountId, after);
    if (next === null) break;
    const drained = await runHookCall(deps, next, { earlierChecked: true }).catch(() => 'failed' as const);
    if (drained !== 'done' && drained !== 'skipped') break;
    after = next;
  }
  return outcome;
}

/**
 * Makes a notify call once — given by id (read first; a call already done is skipped), or as just written
 * by the event's commit — and marks it done (and the account provisioned after `accountCreated`). Calls of
 * one account reach the product in order: while an earlier one is owed, this one waits ('waiting', no
 * attempt spent). Every attempt is recorded; throws when the product did not take the call, so the queue
 * retries it with the same idempotency key.
 */
export async function runHookCall(
  deps: HookCallDeps,
  idOrCall: bigint | HookCallRecord,
  /** earlierChecked: the caller just sent the account's previous call (no earlier one can be owed). */
  options: { earlierChecked?: boolean } = {},
): Promise<HookCallOutcome> {
  const call =
    typeof idOrCall === 'bigint' ? await storedCall(deps.db, idOrCall) : { ...idOrCall, done: false, mode: 'notify' };
  if (!call || call.done || call.mode !== 'notify' || !isHookKind(call.kind)) return 'skipped';
  const id = call.id;
  if (call.accountId && !options.earlierChecked && (await earlierOwed(deps.db, call.accountId, id))) return 'waiting';
  const key = notifyKey(id);
  const base = {
    eventToken: call.eventToken,
    hookCallId: id,
    kind: call.kind,
    mode: 'notify' as const,
    idempotencyKey: key,
    transport: deps.product.transport.name,
  };
  let answer: unknown;
  let record: CallRecord;
  try {
    record = await deps.product.notify(await callOf(deps.db, { ...call, kind: call.kind }), key);
    answer = record.answer;
  } catch (error) {
    const failure =
      error instanceof ProductCallFailure ? error : new ProductCallFailure(String((error as Error)?.message ?? error));
    if (failure.record) await recordAttempt(deps.db, { ...base, record: failure.record });
    await pooledSql(deps.db)(Prisma.sql`
      UPDATE hook_calls SET attempts = attempts + 1, "lastError" = ${failure.reason.slice(0, 2000)} WHERE id = ${id}`);
    throw failure;
  }
  const stored = answer === undefined ? undefined : (JSON.parse(JSON.stringify(answer)) as Prisma.InputJsonValue);
  // The account's later events wait until it is provisioned (see the runner): for accountCreated that fact
  // commits with the call done.
  const provisions = call.kind === 'accountCreated' ? call.accountId : null;
  try {
    // The attempt's record and the call done (and the account provisioned), in one statement.
    await recordedAndDone(deps.db, { ...base, record }, stored, provisions);
  } catch {
    // An answer the store refuses (it is the product's): the call is still done, without it.
    await recordedAndDone(deps.db, { ...base, record: { ...record, answer: undefined } }, undefined, provisions);
  }
  return 'done';
}

/**
 * The call as stored; a row written before the contract existed (flat `args`) is rebuilt from its event,
 * so calls owed across an upgrade still reach the product in the contract's shape.
 */
async function callOf(
  db: SqlSource,
  row: { kind: HookKind; call: unknown; accountId: string | null; eventToken: string },
): Promise<ProductCall> {
  if (CALL_SCHEMAS[row.kind].safeParse(row.call).success) return row.call as ProductCall;
  const [event] = await pooledSql(db)<{ development: boolean; marketplaceBaseUrl: string; receivedAt: Date }>(
    Prisma.sql`SELECT development, "marketplaceBaseUrl", "receivedAt" FROM events WHERE token = ${row.eventToken}`,
  );
  if (!event) throw new ProductCallFailure(`the call's event ${row.eventToken} no longer exists`);
  const source = { token: row.eventToken, ...event };
  try {
    return buildCall(
      { kind: row.kind, accountId: row.accountId ?? undefined, args: row.call as Prisma.InputJsonObject },
      source,
      'notify',
    );
  } catch (error) {
    throw new ProductCallFailure(
      `the stored call does not fit the contract: ${(error as Error).message.slice(0, 500)}`,
    );
  }
}

async function earlierOwed(db: SqlSource, accountId: string, id: bigint): Promise<boolean> {
  const earlier = await pooledSql(db)(Prisma.sql`
    SELECT id FROM hook_calls WHERE "accountId" = ${accountId} AND done = false AND mode = 'notify' AND id < ${id} LIMIT 1`);
  return earlier.length > 0;
}

/** The account's next owed notify call after `after`, in order (null: none). */
async function nextOwed(db: SqlSource, accountId: string, after: bigint): Promise<bigint | null> {
  const [next] = await pooledSql(db)<{ id: bigint }>(Prisma.sql`
    SELECT id FROM hook_calls WHERE "accountId" = ${accountId} AND done = false AND mode = 'notify' AND id > ${after}
    ORDER BY id LIMIT 1`);
  return next?.id ?? null;
}

/** A notify call as stored (null: no such call). */
async function storedCall(db: SqlSource, id: bigint) {
  const [row] = await pooledSql(db)<{
    id: bigint;
    kind: string;
    mode: string;
    call: unknown;
    accountId: string | null;
    eventToken: string;
    done: boolean;
  }>(Prisma.sql`
    SELECT id, kind, mode, args AS call, "accountId", "eventToken", done FROM hook_calls WHERE id = ${id}`);
  return row ?? null;
}
