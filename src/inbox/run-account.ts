/**
 * The one runner's transaction: an event and the waiting events of its account that come with it, decided in
 * arrival order in one transaction on the plain-SQL runner — one lock, one set-based finish, one commit. A
 * single event is a list of one. Each event goes through its type's apply function (src/events/registry.ts),
 * then the product where it decides (src/hooks/decide.ts), then into the finish. What a run cannot take ends it
 * before that event: a document still to fetch, a product decision stored or awaited (that event's own job
 * handles it), an account being provisioned, a type that runs alone.
 *
 * Outcomes are values: a product's refusal rolls back that event's changes only (a savepoint) and answers it
 * with the product's code; a pending or missing answer rolls it back and leaves it waiting; the others go on.
 */
import { ACCOUNT_ROW, accountFromJson, LockedAccounts } from '../accounts/accounts';
import type { AccountStatusName as AccountStatus } from '../accounts/lifecycle';
import { SeatsAhead, type AssignmentAhead } from '../accounts/seats-ahead';
import { Prisma, type Event } from '../db/client';
import type { PgTransaction, Sql, SqlSource } from '../db/sql';
import type { EventDocument } from '../events/schema';
import { applyOf, runsAsOf, type RunsAs } from '../events/registry';
import { decideWithProduct, storedFinalDecision, type Decided } from '../hooks/decide';
import type { ProductConnection } from '../hooks/product';
import type { ResultBody } from '../marketplace/client';
import { accountNamedBy } from './document';
import { readEvent, typeOf } from './fetched';
import { finishEvents, type AttemptInfo, type FinalOutcome, type Finishing } from './finish';
import {
  early,
  finalOfApplied,
  finalOfEarly,
  type EarlyOutcome,
  type EventRun,
  type FinishedEvent,
  type Run,
} from './outcomes';
import { isUnfinished, UNFINISHED_SQL } from './statuses';
import { EVENT_COLUMNS } from './transitions';
import { markWaiting, pinAccountStatus, recordWait } from './waits';

const NOTICE = 'SUBSCRIPTION_NOTICE';
/** Fallback only: the event it waits for wakes it when it finishes (src/jobs/event.ts). */
const ORDERING_RETRY_MS = 1000;
const PENDING_RETRY_MS = 2000;
/** How often an event awaiting a `pending` decision looks again (the completion wakes it at once). */
export const AWAIT_PRODUCT_RETRY_MS = 10_000;

export interface AccountRunDeps {
  readonly db: SqlSource;
  readonly product: ProductConnection;
  readonly pendingWaitMs: number;
}

/** The event the run was asked for, claimed, with its document read. */
export interface OwnEvent {
  readonly event: Event;
  readonly document: EventDocument;
  readonly attempt: AttemptInfo;
  /** Its result goes back in the HTTP answer (or AppDirect takes none): no result POST. */
  readonly noResultPost: boolean;
}

export interface AccountRunOptions {
  readonly workerId: string;
  /** The most events the run decides. */
  readonly max: number;
  /** The callback answering in the HTTP response: no waiting for provisioning; the product's call is bounded. */
  readonly synchronous: boolean;
  /** Time left for a product's call (a synchronous answer's budget), when bounded. */
  remainingMs(): number | undefined;
}

type Candidate = Event & { provisioning: string | null; accountStatus: AccountStatus | null };

/** How one candidate is decided: applied, answered without an apply, or not by this run. */
type Plan = { readonly document: EventDocument } | { readonly early: EarlyOutcome } | null;

/** Decides `own` and what comes with it, inside `sql`'s transaction (the lock of `own` is held). */
export async function runAccount(
  deps: AccountRunDeps,
  sql: Sql,
  transaction: PgTransaction,
  own: OwnEvent,
  options: AccountRunOptions,
): Promise<Run> {
  const accountId = own.event.accountId ?? accountNamedBy(own.document);
  const runsAs = runsAsOf(own.document);
  const accounts = new LockedAccounts(sql);
  const candidates = await candidatesOf(sql, accounts, own, accountId, runsAs, options.max);
  if (!candidates.some((candidate) => candidate.seq === own.event.seq)) {
    // Finished by another run while this one waited for the lock (it drained it), or many earlier events wait.
    const [row] = await sql<{ status: string; result: unknown }>(
      Prisma.sql`SELECT status::text AS status, result FROM events WHERE seq = ${own.event.seq}`,
    );
    if (row && !isUnfinished(row.status))
      return {
        ...emptyRun(accountId),
        own: { kind: 'alreadyFinished', token: own.event.token, result: row.result as ResultBody },
      };
  }
  const decides = deps.product.settings.decideKinds.length > 0;
  const taken = candidates.slice(0, options.max);
  const plans = plansOf(taken, own);
  const seats = new SeatsAhead(sql, assignmentsAhead(deps.product, taken, plans));
  const items: Finishing[] = [];
  const types = new Map<string, string | null>();
  let ownRun: EventRun | undefined;
  /** Set once an event of the run waits for the account's provisioning: the ones after it wait too. */
  let waitingFromHere = false;
  for (const [index, candidate] of taken.entries()) {
    const isOwn = candidate.seq === own.event.seq;
    const attempt: AttemptInfo = isOwn
      ? own.attempt
      : { workerId: options.workerId, attempt: candidate.attempts + 1, startedAt: new Date() };
    const plan = plans[index];
    if (!plan) break; // the rest of the account waits for this event's own job
    types.set(candidate.token, 'document' in plan ? plan.document.type : typeOf(candidate.payload));
    const finishing = (outcome: FinalOutcome): Finishing => ({
      event: candidate,
      outcome,
      attempt,
      answeredSynchronously: isOwn ? own.noResultPost : types.get(candidate.token) === NOTICE,
      countsAttempt: !isOwn,
    });
    if ('early' in plan && !waitingFromHere) {
      items.push(finishing(finalOfEarly(plan.early)));
      continue;
    }
    if (candidate.provisioning === 'pending' || waitingFromHere) {
      // Its account waits for the product to take its accountCreated call; each of its events' PENDING budget
      // counts from the run that first found it waiting.
      const waited = await provisioningWait(deps, sql, candidate, attempt, options, isOwn);
      if (waited === 'expired' && !waitingFromHere) {
        items.push(finishing(finalOfEarly(early('PENDING', 'the account was not provisioned in time'))));
        continue;
      }
      waitingFromHere = true;
      if (isOwn) ownRun = waited === 'expired' ? deferredRun(candidate.token, 'pending', PENDING_RETRY_MS) : waited;
      if (options.synchronous) break;
      continue;
    }
    if (!('document' in plan)) break; // unreachable: early plans were taken above
    const savepoint = decides ? await transaction.savepoint() : null;
    const outcome = await applyOf(plan.document)({
      sql,
      accounts,
      seats,
      token: candidate.token,
      eventSeq: candidate.seq,
      document: plan.document,
      development: candidate.development,
      accountStatusAtArrival: candidate.accountStatusAtArrival,
    });
    const decided = await decideWithProduct(
      {
        accounts,
        db: deps.db,
        product: deps.product,
        source: {
          token: candidate.token,
          development: candidate.development,
          marketplaceBaseUrl: candidate.marketplaceBaseUrl,
          receivedAt: candidate.receivedAt,
        },
        stored: storedFinalDecision(candidate.productDecision),
        timeoutMs: options.remainingMs(),
      },
      outcome,
    );
    if (decided.kind === 'accepted') {
      await savepoint?.release();
      items.push(finishing(finalOfApplied(decided.outcome, decided.calls, plan.document)));
      continue;
    }
    // Nothing the apply changed is kept; the accounts it read are read again.
    await savepoint?.rollback();
    accounts.forgetAll();
    if (decided.kind === 'refused') {
      items.push(finishing(finalOfEarly({ code: decided.decision.errorCode, message: decided.decision.message })));
      continue;
    }
    const waited = await productWait(deps, sql, candidate, attempt, decided);
    if (waited.kind === 'expired') {
      items.push(finishing(finalOfEarly(early('PENDING', `the product did not decide in time: ${waited.reason}`))));
      continue;
    }
    if (isOwn) ownRun = waited.run;
    break;
  }
  const finished = await finishEvents(sql, items);
  const finishedEvents: FinishedEvent[] = finished.events.map((rows, index) => ({
    kind: 'finished',
    token: rows.token,
    type: types.get(rows.token) ?? null,
    result: items.find((item) => item.event.token === rows.token)!.outcome.result,
    hookCalls: rows.hookCalls,
    delivery: rows.delivery,
    startedAt: items[index]?.attempt.startedAt ?? new Date(),
  }));
  const ownFinished = finishedEvents.find((event) => event.token === own.event.token);
  if (!ownRun && !ownFinished) {
    // Not reached: an earlier event of the account waits for its own job (or this run took `max` before it).
    await markWaiting(sql, own.event.seq);
    ownRun = deferredRun(own.event.token, 'ordering', ORDERING_RETRY_MS);
  }
  return {
    own: ownFinished ?? ownRun!,
    finished: finishedEvents,
    nextOfAccount: finishedEvents.length > 0 ? finished.nextOfAccount : undefined,
    accountId: finished.events.at(-1)?.accountId ?? accountId,
    callsOwedBefore: finished.callsOwedBefore,
  };
}

const emptyRun = (accountId: string | null): Omit<Run, 'own'> => ({
  finished: [],
  nextOfAccount: undefined,
  accountId,
  callsOwedBefore: true,
});

/**
 * The events the run decides, row-locked, in arrival order: the account's unfinished events from its first one
 * (up to `max` + 1) for an event that runs in order; the event alone for one that runs alone, for a notice
 * overtaking earlier events (which are pinned to the account's state as of their arrival), and for an event of
 * no account.
 */
async function candidatesOf(
  sql: Sql,
  accounts: LockedAccounts,
  own: OwnEvent,
  accountId: string | null,
  runsAs: RunsAs,
  max: number,
): Promise<Candidate[]> {
  // The account row is locked and read with the events, in the same statement (the apply reads it from there).
  const select = (events: Prisma.Sql) =>
    sql<Candidate & { accountRow: Record<string, unknown> | null }>(Prisma.sql`
      WITH account AS (SELECT ${ACCOUNT_ROW} FROM accounts WHERE id = ${accountId} FOR UPDATE)
      SELECT ${EVENT_COLUMNS}, (SELECT "provisioningStatus"::text FROM account) AS provisioning,
             (SELECT status FROM account) AS "accountStatus", (SELECT row_to_json(account) FROM account) AS "accountRow"
      FROM events WHERE ${events}
      ORDER BY seq LIMIT ${max + 1}
      FOR UPDATE OF events`).then((rows) => {
      if (rows[0]?.accountRow) accounts.know(accountFromJson(rows[0].accountRow));
      return rows;
    });
  const alone = () => select(Prisma.sql`seq = ${own.event.seq}`);
  if (accountId === null || runsAs === 'alone') return alone();
  if (runsAs === 'ahead') {
    const [current] = await sql<{ status: AccountStatus }>(
      Prisma.sql`SELECT status FROM accounts WHERE id = ${accountId}`,
    );
    if (current && (await pinAccountStatus(sql, accountId, own.event.seq, current.status))) return alone();
  }
  return select(Prisma.sql`"accountId" = ${accountId} AND status IN (${UNFINISHED_SQL})`);
}

/** How each candidate is decided, up to the first this run does not take (null, the last of the list). */
function plansOf(candidates: readonly Candidate[], own: OwnEvent): Plan[] {
  const plans: Plan[] = [];
  for (const candidate of candidates) {
    const plan = candidate.seq === own.event.seq ? { document: own.document } : planOf(candidate);
    plans.push(plan);
    if (plan === null) break;
  }
  return plans;
}

/**
 * The run's assignments, whose seats are taken together (src/accounts/seats-ahead.ts), in order with null for
 * every other event; none where one of them might not be applied in turn: the product decides assignments (a
 * refusal rolls one back alone), or the account waits to be provisioned (its events wait).
 */
function assignmentsAhead(
  product: ProductConnection,
  candidates: readonly Candidate[],
  plans: readonly Plan[],
): Array<AssignmentAhead | null> {
  if (product.modeOf('userAssigned') === 'decide' || candidates[0]?.provisioning === 'pending') return [];
  return plans.map((plan, index) => {
    const document = plan && 'document' in plan ? plan.document : null;
    if (document?.type !== 'USER_ASSIGNMENT') return null;
    return {
      seq: candidates[index]!.seq,
      accountIdentifier: document.payload.account.accountIdentifier,
      person: document.payload.user,
      statusAtArrival: candidates[index]!.accountStatusAtArrival,
    };
  });
}

/**
 * How a candidate that is not the run's own event is decided, when this run may: its document is stored and
 * no product decision is stored or awaited for it (its own job handles those), and its type runs in order.
 */
function planOf(candidate: Candidate): Plan {
  if (candidate.payload === null || candidate.productDecision !== null) return null;
  const read = readEvent({ raw: candidate.payload });
  if ('early' in read) return read;
  return runsAsOf(read.document) === 'alone' ? null : read;
}

/**
 * An event of an account being provisioned waits until PENDING_WAIT_MS from the first run that found it waiting,
 * then is answered PENDING. A synchronous answer has its own budget (src/inbox/accept.ts): it only waits.
 */
async function provisioningWait(
  deps: AccountRunDeps,
  sql: Sql,
  candidate: Candidate,
  attempt: AttemptInfo,
  options: AccountRunOptions,
  isOwn: boolean,
): Promise<EventRun | 'expired'> {
  const wait = deferredRun(candidate.token, 'pending', PENDING_RETRY_MS);
  if (options.synchronous) return wait;
  const since = candidate.pendingSince ?? new Date();
  if (Date.now() - since.getTime() >= deps.pendingWaitMs) return 'expired';
  // The event's timeline says so when it starts waiting, and at each run of its own job; not at every run of
  // another event of the account.
  if (isOwn || candidate.pendingSince === null)
    await recordWait(sql, candidate.seq, attempt, 'waiting for the account to be provisioned', { pendingSince: since });
  return wait;
}

const deferredRun = (token: string, reason: 'ordering' | 'pending' | 'product', retryInMs: number): EventRun => ({
  kind: 'deferred',
  token,
  reason,
  retryInMs,
});

/**
 * The product answered `pending`, or gave no usable answer (transient: asked again with backoff). Either way the
 * event waits, in order, until the decision's deadline (PRODUCT_DECIDE_DEADLINE_MS from its first wait); then
 * it is answered PENDING.
 */
async function productWait(
  deps: AccountRunDeps,
  sql: Sql,
  candidate: Candidate,
  attempt: AttemptInfo,
  decided: Extract<Decided, { kind: 'pending' | 'unanswered' }>,
): Promise<{ kind: 'expired'; reason: string } | { kind: 'waits'; run: EventRun }> {
  const now = Date.now();
  const since = candidate.pendingSince ?? new Date(now);
  const left = since.getTime() + deps.product.settings.decideDeadlineMs - now;
  if (left <= 0) return { kind: 'expired', reason: decided.reason };
  const pending =
    decided.kind === 'pending' ? (JSON.parse(JSON.stringify(decided.decision)) as Prisma.InputJsonObject) : null;
  await recordWait(sql, candidate.seq, attempt, decided.reason, { pendingSince: since, product: { pending } });
  const retryInMs =
    decided.kind === 'pending'
      ? Math.min(AWAIT_PRODUCT_RETRY_MS, left + 50)
      : // Exponential in the time already waited (half of it, 1 s to 60 s, ±25 %), never past the deadline.
        Math.min(
          Math.min(Math.max((now - since.getTime()) / 2, 1_000), 60_000) * (0.75 + Math.random() * 0.5),
          left + 50,
        );
  return { kind: 'waits', run: deferredRun(candidate.token, 'product', retryInMs) };
}
