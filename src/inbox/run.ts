/**
 * Running an event: claim its inbox row, have its document (fetched and stored when it has none), read it,
 * then decide it — with the waiting events of its account that come with it — in one transaction under its
 * lock (./run-account.ts). Every event type goes this way; a single event is a list of one.
 *
 * Outcomes are values (./outcomes.ts): finished, already finished, deferred. Faults a later attempt may get
 * past throw: TransientEventError (the marketplace, a database conflict or timeout), a database outage as it
 * is (the worker loop waits it out), DeadlineExceededError for a synchronous answer out of time. Anything
 * else thrown is a defect the job reports as UNKNOWN_ERROR at once (src/jobs/event.ts).
 */
import type { Config } from '../config';
import { Prisma, type Event } from '../db/client';
import { classifyDatabaseError, isTransientDatabaseError } from '../db/failures';
import { inPgTransaction, pooledSql, type SqlSource } from '../db/sql';
import { EVENT_ERROR_CODES } from '../errors/catalogue';
import { DeadlineExceededError, EventNotFoundError, TransientEventError } from '../errors/internal';
import { lockKeyOf } from '../events/registry';
import { isAwaitingProduct } from '../hooks/decide';
import type { ProductConnection } from '../hooks/product';
import type { MarketplaceClient } from '../marketplace/client';
import { documentOf, readEvent, typeOf } from './fetched';
import { finishEvents, type AttemptInfo } from './finish';
import {
  alreadyFinished,
  deferred,
  early,
  finalOfEarly,
  type EarlyOutcome,
  type FinishedEvent,
  type Run,
} from './outcomes';
import { AWAIT_PRODUCT_RETRY_MS, runAccount, type OwnEvent } from './run-account';
import { claimEvent, EVENT_COLUMNS, storedResultOf } from './transitions';

export interface RunDeps {
  readonly db: SqlSource;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect' | 'pendingWaitMs'>;
  /** The vendor's product: asked before the result is written for the kinds it decides. */
  readonly product: ProductConnection;
}

export interface RunOptions {
  readonly workerId: string;
  /**
   * The callback answering in the HTTP response (a SUBSCRIPTION_NOTICE, a ping test): the document it has just
   * fetched, and the epoch ms by which the answer must be ready (lock waits and the product's call are bounded
   * by it). No result POST, no waiting for the account's provisioning, no other event decided with it.
   */
  readonly synchronous?: { readonly document: unknown; readonly deadlineAt: number };
  /** The most events one run decides (the account lock is held that long); 1 decides the event alone. */
  readonly max?: number;
}

/**
 * Time the synchronous path keeps for itself after the last wait: finishing, or recording that the notice is
 * answered PENDING, and answering (measured 10-60 ms on a loaded 2-core machine; docs/benchmarks.md).
 */
export const ANSWER_RESERVE_MS = 150;

const NOTICE = 'SUBSCRIPTION_NOTICE';

/** Runs the event (and what comes with it). Never applies an event twice: a finished event returns its stored result. */
export async function runEvent(deps: RunDeps, token: string, options: RunOptions): Promise<Run> {
  const startedAt = new Date();
  const sql = pooledSql(deps.db);
  const event = await claimEvent(sql, token, startedAt);
  if (!event) {
    const finished = await storedResultOf(sql, token);
    if (!finished) throw new EventNotFoundError(token);
    return alreadyFinished(token, finished.result);
  }
  // Attempts are numbered by the event's own counter, so an operator's retry continues the timeline.
  const attempt: AttemptInfo = { workerId: options.workerId, attempt: event.attempts, startedAt };
  const fetched = await documentOf(deps, event, options.synchronous?.document);
  // SUBSCRIPTION_NOTICE results go back in the HTTP answer only (AppDirect reads them nowhere else).
  const noResultPost = options.synchronous !== undefined || typeOf(fetched.raw) === NOTICE;
  const read = readEvent(fetched);
  if ('early' in read) return finishEarly(deps, event, read.early, attempt, noResultPost, typeOf(fetched.raw));

  // Waiting for the product to complete a `pending` decision through the product API (or the deadline).
  if (isAwaitingProduct(event.productDecision)) {
    const left = (event.pendingSince?.getTime() ?? Date.now()) + deps.product.settings.decideDeadlineMs - Date.now();
    if (left <= 0)
      return finishEarly(
        deps,
        event,
        early('PENDING', 'the product did not complete its pending decision in time'),
        attempt,
        noResultPost,
        read.document.type,
      );
    return deferred(token, 'product', Math.min(AWAIT_PRODUCT_RETRY_MS, left + 50));
  }
  return runLocked(deps, { event, document: read.document, attempt, noResultPost }, options);
}

/** The transaction, under the event's lock (its account's, or its company's for a new account's order). */
async function runLocked(deps: RunDeps, own: OwnEvent, options: RunOptions): Promise<Run> {
  const deadlineAt = options.synchronous?.deadlineAt;
  const remainingMs = () => (deadlineAt === undefined ? undefined : deadlineAt - Date.now() - ANSWER_RESERVE_MS);
  const budget = remainingMs();
  if (budget !== undefined && budget <= 0) throw new DeadlineExceededError('no time left to apply the event');
  try {
    return await inPgTransaction(
      deps.db,
      (sql, transaction) =>
        runAccount(
          { db: deps.db, product: deps.product, pendingWaitMs: deps.config.pendingWaitMs },
          sql,
          transaction,
          own,
          {
            workerId: own.attempt.workerId,
            max: options.synchronous ? 1 : Math.max(1, options.max ?? 1),
            synchronous: options.synchronous !== undefined,
            remainingMs,
          },
        ),
      { lockKey: lockKeyOf(own.document) ?? undefined, lockTimeoutMs: budget },
    );
  } catch (error) {
    if (deadlineAt !== undefined && (classifyDatabaseError(error) === 'timeout' || Date.now() >= deadlineAt)) {
      throw new DeadlineExceededError(`the account or the database did not answer in time: ${lastLine(error)}`, {
        cause: error,
      });
    }
    if (isTransientDatabaseError(error))
      throw new TransientEventError('apply', `database: ${lastLine(error)}`, { cause: error });
    throw error;
  }
}

/** An event decided without its apply, in one statement (the finish is atomic by itself). */
async function finishEarly(
  deps: Pick<RunDeps, 'db'>,
  event: Event,
  outcome: EarlyOutcome,
  attempt: AttemptInfo,
  noResultPost: boolean,
  type: string | null,
): Promise<Run> {
  const final = finalOfEarly(outcome);
  const finished = await finishEvents(pooledSql(deps.db), [
    { event, outcome: final, attempt, answeredSynchronously: noResultPost, countsAttempt: false },
  ]);
  const rows = finished.events[0];
  if (!rows) {
    // An operator cancelled it meanwhile: its stored result stands.
    const stored = await storedResultOf(pooledSql(deps.db), event.token);
    return alreadyFinished(event.token, stored?.result);
  }
  const own: FinishedEvent = {
    kind: 'finished',
    token: event.token,
    type,
    result: final.result,
    hookCalls: rows.hookCalls,
    delivery: rows.delivery,
    startedAt: attempt.startedAt,
  };
  return {
    own,
    finished: [own],
    nextOfAccount: finished.nextOfAccount,
    accountId: rows.accountId,
    callsOwedBefore: finished.callsOwedBefore,
  };
}

/**
 * Ends the event as failed with `code` without applying it: its attempts ran out (TRANSPORT_ERROR when it
 * could not be fetched, UNKNOWN_ERROR otherwise), or it failed in a way no retry can fix (UNKNOWN_ERROR).
 * The operator sees `lastError`; AppDirect's user a safe text.
 */
export async function giveUp(
  deps: Pick<RunDeps, 'db'>,
  token: string,
  failure: { code: 'TRANSPORT_ERROR' | 'UNKNOWN_ERROR'; lastError: string },
  attemptInfo: Omit<AttemptInfo, 'attempt'>,
): Promise<Run> {
  const [event] = await pooledSql(deps.db)<Event>(
    Prisma.sql`SELECT ${EVENT_COLUMNS} FROM events WHERE token = ${token}`,
  );
  if (!event) throw new EventNotFoundError(token);
  const attempt: AttemptInfo = { ...attemptInfo, attempt: Math.max(event.attempts, 1) };
  return finishEarly(
    deps,
    event,
    { code: failure.code, message: EVENT_ERROR_CODES[failure.code].userMessage, lastError: failure.lastError },
    attempt,
    event.type === NOTICE,
    event.type,
  );
}

const lastLine = (error: unknown): string =>
  String((error as Error)?.message ?? error)
    .split('\n')
    .slice(-1)[0] ?? '';
