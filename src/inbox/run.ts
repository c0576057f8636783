/**
 * Running one event: claim the inbox row, fetch the document if it has not been fetched, validate, apply
 * in one transaction with its result, and say what the caller (a worker, or the callback answering
 * synchronously) should do next.
 *
 * Business outcomes are results (status failed + AppDirect error code) reported at once; so is data that
 * can never be applied (INVALID_RESPONSE). Faults a later attempt may get past throw TransientEventError;
 * anything else thrown is a defect the job reports as UNKNOWN_ERROR at once (src/jobs/event.ts).
 */
import { classifyDatabaseError, isTransientDatabaseError } from '../db/failures';
import type { Config } from '../config';
import { type Event, type Prisma, type PrismaClient } from '../db/client';
import { prismaSql } from '../db/sql';
import { EVENT_ERROR_CODES, type EventErrorCode } from '../errors/catalogue';
import {
  DeadlineExceededError,
  EventFinishedElsewhereError,
  EventNotFoundError,
  MarketplaceError,
  TransientEventError,
} from '../errors/internal';
import { APPLY_BY_TYPE, type Outcome } from '../events/apply';
import { isPingTest, parseEventDocument, unstorableReason, type EventDocument } from '../events/schema';
import {
  decidesAny,
  decideWithProduct,
  isAwaitingProduct,
  notifyCalls,
  ProductPending,
  ProductRefusal,
  storedFinalDecision,
  type PlannedCall,
} from '../hooks/decide';
import { ProductCallFailure } from '../hooks/failure';
import type { HookCallRecord } from '../hooks/kinds';
import type { ProductConnection } from '../hooks/product';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import type { OwedDelivery } from '../report/deliver';
import { storeDocument } from './document';
import { finishEvent, resultOf, type AttemptInfo, type FinalOutcome } from './finish';
import { isFinal, UNFINISHED_SQL } from './statuses';
import { claimEvent, markAwaitingProduct, markPendingSince, pinAccountStatus } from './transitions';

export interface RunDeps {
  readonly prisma: PrismaClient;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect' | 'pendingWaitMs'>;
  /** The vendor's product: asked before the result is written for the kinds it decides. */
  readonly product: ProductConnection;
}

export interface RunOptions {
  readonly workerId: string;
  /** The result goes back in the HTTP answer: no result POST, and no waiting for the account's provisioning. */
  readonly synchronous: boolean;
  /** The document, when the caller has just fetched it (not fetched again). */
  readonly document?: unknown;
  /** Epoch ms by which the run must be over (the synchronous answer's budget): lock waits are bounded by it. */
  readonly deadlineAt?: number;
}

export type RunResult =
  | {
      kind: 'finished';
      result: ResultBody;
      /** Hook calls this run wrote, to start after commit. */
      hookCalls: HookCallRecord[];
      /** The result POST this run made owed (null: none, or answered in the HTTP response). */
      delivery: OwedDelivery | null;
      /** The account's next unfinished event, when this run finished the event (undefined: not known). */
      nextOfAccount?: string | null;
      /** The account the finished event is filed under (undefined: not known). */
      accountId?: string | null;
      /** Whether the account had product calls owed before this event's (undefined: not known). */
      callsOwedBefore?: boolean;
      type?: string | null;
      alreadyFinished?: boolean;
    }
  | { kind: 'deferred'; reason: 'ordering' | 'pending' | 'product'; retryInMs: number };

/** Fallback only: the event it waits for promotes it when it finishes (see src/jobs/event.ts). */
const ORDERING_RETRY_MS = 1000;
const PENDING_RETRY_MS = 2000;
/**
 * Time the synchronous path keeps for itself after the last wait: finishing, or recording that the notice is
 * answered PENDING, and answering (measured 10-60 ms on a loaded 2-core machine; docs/benchmarks.md).
 */
export const ANSWER_RESERVE_MS = 150;

const NOTICE = 'SUBSCRIPTION_NOTICE';

/** Runs the event once. Never applies an event twice: a finished event returns its stored result. */
export async function runEvent(deps: RunDeps, token: string, options: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const event = await claimEvent(deps.prisma, token, startedAt);
  if (!event) {
    const finished = await deps.prisma.event.findUnique({ where: { token }, select: { result: true } });
    if (!finished) throw new EventNotFoundError(token);
    return {
      kind: 'finished',
      result: finished.result as unknown as ResultBody,
      hookCalls: [],
      delivery: null,
      alreadyFinished: true,
    };
  }
  // Attempts are numbered by the event's own counter, so an operator's retry continues the timeline.
  const attempt: AttemptInfo = { workerId: options.workerId, attempt: event.attempts, startedAt };

  const fetched = await documentOf(deps, event, options.document);
  // SUBSCRIPTION_NOTICE results go back in the HTTP answer only (AppDirect reads them nowhere else).
  const noResultPost = options.synchronous || typeOf(fetched) === NOTICE;
  const finishNow = (early: EarlyOutcome) => finishWithoutApply(deps.prisma, event, early, attempt, noResultPost);
  // A ping test is answered success however sparse (or unstorable) the rest of its document is.
  if (isPingTest(fetched.raw)) return finishNow({ success: 'Ping test received; nothing was changed.' });
  if ('failure' in fetched) return finishNow(fetched.failure);
  const parsed = parseEventDocument(fetched.raw);
  if ('problems' in parsed)
    return finishNow({
      code: 'INVALID_RESPONSE',
      message: `The event could not be read: ${parsed.problems.slice(0, 5).join('; ')}.`,
    });
  const document = parsed.document;
  const apply = APPLY_BY_TYPE.get(document.type);
  if (!apply)
    return finishNow({
      code: 'CONFIGURATION_ERROR',
      message: `Event type ${document.type} is not supported by this application.`,
    });

  // Waiting for the product to complete a `pending` decision through the product API (or the deadline).
  if (isAwaitingProduct(event.productDecision)) {
    const left = productDeadlineLeft(deps, event);
    if (left <= 0)
      return finishNow({
        code: 'PENDING',
        message: EVENT_ERROR_CODES.PENDING.userMessage,
        lastError: 'the product did not complete its pending decision in time',
      });
    return { kind: 'deferred', reason: 'product', retryInMs: Math.min(AWAIT_PRODUCT_RETRY_MS, left + 50) };
  }

  // The row's account is known once the document is stored: on a first run that fetched it just now, read it here.
  const accountId = event.accountId ?? document.payload.account?.accountIdentifier ?? null;
  const remaining = () =>
    options.deadlineAt === undefined ? undefined : options.deadlineAt - Date.now() - ANSWER_RESERVE_MS;
  const budget = remaining();
  if (budget !== undefined && budget <= 0) throw new DeadlineExceededError('no time left to apply the event');
  try {
    return await deps.prisma.$transaction(
      async (tx) => {
        const left = remaining();
        // Bounded waits for the synchronous answer: the account lock and row locks give up in time.
        if (left !== undefined) await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(left))}`);
        const lockKey = lockKeyFor(accountId, document);
        if (lockKey) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`;
        // Under the lock, in one round trip: is it still unfinished, does an earlier event of the account
        // still wait (arrival order per account), how does the account stand?
        const [state] = await tx.$queryRaw<
          Array<{
            status: string;
            result: unknown;
            earlier: boolean;
            provisioning: string | null;
            accountStatus: string | null;
          }>
        >`
          SELECT e.status::text AS status, e.result,
                 EXISTS (SELECT 1 FROM events p WHERE p."accountId" = e."accountId" AND p.seq < e.seq
                         AND p.status IN (${UNFINISHED_SQL})) AS earlier,
                 (SELECT a."provisioningStatus"::text FROM accounts a WHERE a.id = e."accountId") AS provisioning,
                 (SELECT a.status::text FROM accounts a WHERE a.id = e."accountId") AS "accountStatus"
          FROM events e WHERE e.seq = ${event.seq}`;
        if (!state || isFinal(state.status)) {
          // Finished by another worker while this one waited for the lock (one drained it).
          return {
            kind: 'finished',
            result: state?.result as ResultBody,
            hookCalls: [],
            delivery: null,
            alreadyFinished: true,
          } as const;
        }
        if (accountId) {
          if (state.earlier) {
            // A notice is applied at once, ahead of the account's queued events (AppDirect expects its answer
            // within seconds, and the marketplace's state has already changed); the events it overtakes are
            // still decided on the account's state as of their arrival.
            if (document.type !== NOTICE)
              return { kind: 'deferred', reason: 'ordering', retryInMs: ORDERING_RETRY_MS } as const;
            if (state.accountStatus) await pinAccountStatus(tx, accountId, event.seq, state.accountStatus);
          }
          const waiting = await pendingProvisioning(
            tx,
            event,
            state.provisioning,
            deps.config.pendingWaitMs,
            options.synchronous,
          );
          if (waiting === 'wait') return { kind: 'deferred', reason: 'pending', retryInMs: PENDING_RETRY_MS } as const;
          if (waiting === 'expired') {
            const outcome: FinalOutcome = {
              result: resultOf(false, { errorCode: 'PENDING', message: EVENT_ERROR_CODES.PENDING.userMessage }),
              calls: [],
            };
            const rows = await finishEvent(prismaSql(tx), event, outcome, attempt, {
              answeredSynchronously: noResultPost,
            });
            return { kind: 'finished', result: outcome.result, ...rows, type: document.type } as const;
          }
        }
        const outcome = await apply({
          tx,
          sql: prismaSql(tx),
          token,
          eventSeq: event.seq,
          document,
          development: event.development,
          accountStatusAtArrival: event.accountStatusAtArrival,
        });
        const source = {
          token,
          development: event.development,
          marketplaceBaseUrl: event.marketplaceBaseUrl,
          receivedAt: event.receivedAt,
        };
        const planned = decidesAny(deps.product, outcome)
          ? await decideWithProduct(
              {
                tx,
                prisma: deps.prisma,
                product: deps.product,
                source,
                stored: storedFinalDecision(event.productDecision),
                timeoutMs: remaining(),
              },
              outcome as Extract<Outcome, { success: true }>,
            )
          : { outcome, calls: notifyCalls(deps.product, source, outcome) };
        const final = toFinal(planned.outcome, planned.calls, document);
        const rows = await finishEvent(prismaSql(tx), event, final, attempt, { answeredSynchronously: noResultPost });
        return { kind: 'finished', result: final.result, ...rows, type: document.type } as const;
      },
      budget === undefined
        ? { timeout: 15_000, maxWait: 10_000 }
        : { timeout: Math.max(budget, 1), maxWait: Math.max(budget, 1) },
    );
  } catch (error) {
    if (error instanceof ProductRefusal) {
      // Nothing the apply wrote is kept (rolled back); AppDirect receives the product's code and message.
      return finishNow({ code: error.decision.errorCode, message: error.decision.message });
    }
    if (error instanceof ProductPending || error instanceof ProductCallFailure)
      return awaitProduct(deps, event, error, finishNow);
    if (error instanceof EventFinishedElsewhereError) {
      const finished = await deps.prisma.event.findUniqueOrThrow({ where: { token }, select: { result: true } });
      return {
        kind: 'finished',
        result: finished.result as unknown as ResultBody,
        hookCalls: [],
        delivery: null,
        alreadyFinished: true,
      };
    }
    if (
      options.deadlineAt !== undefined &&
      (classifyDatabaseError(error) === 'timeout' || Date.now() >= options.deadlineAt)
    ) {
      throw new DeadlineExceededError(`the account or the database did not answer in time: ${lastLine(error)}`, {
        cause: error,
      });
    }
    if (isTransientDatabaseError(error))
      throw new TransientEventError('apply', `database: ${lastLine(error)}`, { cause: error });
    throw error;
  }
}

/**
 * Ends the event as failed with `code` without applying it: its attempts ran out (TRANSPORT_ERROR when it
 * could not be fetched, UNKNOWN_ERROR otherwise), or it failed in a way no retry can fix (UNKNOWN_ERROR).
 * The operator sees `lastError`; AppDirect's user a safe text.
 */
export async function giveUp(
  deps: Pick<RunDeps, 'prisma'>,
  token: string,
  failure: { code: 'TRANSPORT_ERROR' | 'UNKNOWN_ERROR'; lastError: string },
  attemptInfo: Omit<AttemptInfo, 'attempt'>,
): Promise<RunResult> {
  const event = await deps.prisma.event.findUniqueOrThrow({ where: { token } });
  const attempt: AttemptInfo = { ...attemptInfo, attempt: Math.max(event.attempts, 1) };
  const noResultPost = event.type === NOTICE;
  return finishWithoutApply(
    deps.prisma,
    event,
    { code: failure.code, message: EVENT_ERROR_CODES[failure.code].userMessage, lastError: failure.lastError },
    attempt,
    noResultPost,
  );
}

const lastLine = (error: unknown): string =>
  String((error as Error)?.message ?? error)
    .split('\n')
    .slice(-1)[0] ?? '';

/** Serialises work on one account (or, for a new order, on one company + application). */
function lockKeyFor(accountId: string | null, document: EventDocument): string | null {
  if (accountId) return `account:${accountId}`;
  const company = document.payload.company;
  if (document.type === 'SUBSCRIPTION_ORDER' && company)
    return `order:${company.uuid}:${document.applicationUuid ?? ''}`;
  return null;
}

async function pendingProvisioning(
  tx: Prisma.TransactionClient,
  event: Event,
  provisioningStatus: string | null,
  budgetMs: number,
  synchronous: boolean,
): Promise<'go' | 'wait' | 'expired'> {
  if (provisioningStatus !== 'pending') return 'go';
  const since = event.pendingSince ?? new Date();
  if (synchronous) return 'wait'; // the synchronous answer has its own budget (src/inbox/accept.ts)
  if (!event.pendingSince) await markPendingSince(tx, event.seq, since);
  return Date.now() - since.getTime() >= budgetMs ? 'expired' : 'wait';
}

/** How often an event awaiting a `pending` decision looks again (the completion wakes it at once). */
const AWAIT_PRODUCT_RETRY_MS = 10_000;

const productDeadlineLeft = (deps: RunDeps, event: Event, now = Date.now()): number =>
  (event.pendingSince?.getTime() ?? now) + deps.product.settings.decideDeadlineMs - now;

/**
 * The product answered `pending`, or gave no usable answer (transient: asked again with backoff). Either
 * way the event waits, in order, until the decision's deadline; then it is answered PENDING.
 */
async function awaitProduct(
  deps: RunDeps,
  event: Event,
  error: ProductPending | ProductCallFailure,
  finishNow: (early: EarlyOutcome) => Promise<RunResult>,
): Promise<RunResult> {
  const now = Date.now();
  const since = event.pendingSince ?? new Date(now);
  const left = productDeadlineLeft(deps, { ...event, pendingSince: since }, now);
  if (left <= 0)
    return finishNow({
      code: 'PENDING',
      message: EVENT_ERROR_CODES.PENDING.userMessage,
      lastError: `the product did not decide in time: ${error.message}`,
    });
  const pending =
    error instanceof ProductPending
      ? (JSON.parse(JSON.stringify(error.decision)) as Prisma.InputJsonObject)
      : undefined;
  const stored = await markAwaitingProduct(deps.prisma, event.seq, { since, reason: error.message, pending });
  // The product completed it through the API while this run was asking: run again at once.
  if (storedFinalDecision(stored)) return { kind: 'deferred', reason: 'product', retryInMs: 10 };
  if (pending) return { kind: 'deferred', reason: 'product', retryInMs: Math.min(AWAIT_PRODUCT_RETRY_MS, left + 50) };
  // Exponential in the time already waited (half of it, 1 s to 60 s, ±25 %), never past the deadline.
  const waited = now - since.getTime();
  const backoff = Math.min(Math.max(waited / 2, 1_000), 60_000) * (0.75 + Math.random() * 0.5);
  return { kind: 'deferred', reason: 'product', retryInMs: Math.round(Math.min(backoff, left + 50)) };
}

export function toFinal(outcome: Outcome, calls: readonly PlannedCall[], document: EventDocument): FinalOutcome {
  if (!outcome.success)
    return { result: resultOf(false, { errorCode: outcome.errorCode, message: outcome.message }), calls: [] };
  const isNewAccount = document.type === 'SUBSCRIPTION_ORDER' && !document.payload.account?.parentAccountIdentifier;
  return {
    result: resultOf(true, {
      accountIdentifier: outcome.accountIdentifier,
      userIdentifier: outcome.userIdentifier,
      message: outcome.message,
    }),
    calls,
    accountId: isNewAccount ? outcome.accountIdentifier : undefined,
  };
}

type EarlyOutcome = { code: EventErrorCode; message: string; lastError?: string } | { success: string };

async function finishWithoutApply(
  prisma: PrismaClient,
  event: Event,
  early: EarlyOutcome,
  attempt: AttemptInfo,
  noResultPost: boolean,
): Promise<RunResult> {
  const result =
    'success' in early
      ? resultOf(true, { message: early.success })
      : resultOf(false, { errorCode: early.code, message: early.message });
  const lastError = 'code' in early ? early.lastError : undefined;
  return prisma.$transaction(async (tx) => {
    const current = await tx.event.findUniqueOrThrow({ where: { seq: event.seq } });
    if (isFinal(current.status)) {
      return {
        kind: 'finished',
        result: current.result as unknown as ResultBody,
        hookCalls: [],
        delivery: null,
      } as const;
    }
    const rows = await finishEvent(prismaSql(tx), event, { result, calls: [] }, attempt, {
      answeredSynchronously: noResultPost,
      lastError,
    });
    return { kind: 'finished', result, ...rows } as const;
  });
}

type Fetched =
  { raw: unknown } | { failure: { code: EventErrorCode; message: string; lastError: string }; raw?: unknown };

/** The event type a document names, read before validation (null when it names none). */
const typeOf = (fetched: Fetched): string | null => {
  const type = (fetched.raw as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' ? type : null;
};

/**
 * The raw event document: the one given, the stored one, or fetched now, and stored (with the fields the
 * admin views filter on) when it is new. A document PostgreSQL could not hold is never stored: it is
 * INVALID_RESPONSE at once. Non-transient fetch failures become results.
 */
async function documentOf(deps: RunDeps, event: Event, given: unknown): Promise<Fetched> {
  if (event.payload !== null) return { raw: event.payload };
  let raw = given;
  if (raw === undefined) {
    const consumer = event.consumerKey
      ? deps.config.appdirect.consumerCredentials.find((c) => c.key === event.consumerKey)
      : undefined;
    try {
      raw = await deps.marketplace.fetchEvent(event.eventUrl, { consumer });
    } catch (error) {
      if (error instanceof MarketplaceError && !error.transient) {
        const code: EventErrorCode = error.kind === 'http' ? 'TRANSPORT_ERROR' : 'INVALID_RESPONSE';
        return { failure: { code, message: EVENT_ERROR_CODES[code].userMessage, lastError: error.message } };
      }
      throw new TransientEventError('fetch', (error as Error).message, { cause: error });
    }
  }
  const unstorable = unstorableReason(raw);
  if (unstorable) {
    return {
      raw,
      failure: {
        code: 'INVALID_RESPONSE',
        message: `The event could not be read: ${unstorable}.`,
        lastError: `not stored: ${unstorable}`,
      },
    };
  }
  await storeDocument(deps.prisma, event.seq, raw);
  return { raw };
}
