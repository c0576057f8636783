/**
 * Running one event: load the inbox row, fetch the document if it has not been
 * fetched, validate, apply in one transaction with its result, and say what
 * the caller (a worker, or the callback answering synchronously) should do next.
 *
 * Business outcomes are results (status failed + AppDirect error code) reported
 * at once; transient faults throw TransientEventError so the queue retries them.
 */
import type { Config } from '../config';
import { isTransientDatabaseError, type Event, type Prisma, type PrismaClient } from '../db/client';
import { EVENT_ERROR_CODES, type EventErrorCode } from '../errors/catalogue';
import { EventFinishedElsewhereError, EventNotFoundError, MarketplaceError, TransientEventError } from '../errors/internal';
import { APPLY_BY_TYPE, type Outcome } from '../events/apply';
import { parseEventDocument, type EventDocument } from '../events/schema';
import type { HookCallRecord } from '../hooks/kinds';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import type { OwedDelivery } from '../report/deliver';
import { storeDocument } from './document';
import { finishEvent, resultOf, type AttemptInfo, type FinalOutcome } from './finish';
import { isFinal, UNFINISHED_SQL } from './statuses';
import { claimEvent, markPendingSince } from './transitions';

export interface RunDeps {
  readonly prisma: PrismaClient;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect' | 'pendingWaitMs'>;
}

export interface RunOptions {
  readonly workerId: string;
  /** The result goes back in the HTTP answer: no result POST, and no waiting. */
  readonly synchronous: boolean;
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
      type?: string | null;
      alreadyFinished?: boolean;
    }
  | { kind: 'deferred'; reason: 'ordering' | 'pending'; retryInMs: number };

/** Fallback only: the event it waits for promotes it when it finishes (see src/jobs/event.ts). */
const ORDERING_RETRY_MS = 1000;
const PENDING_RETRY_MS = 2000;

/** Runs the event once. Never applies an event twice: a finished event returns its stored result. */
export async function runEvent(deps: RunDeps, token: string, options: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const event = await claimEvent(deps.prisma, token, startedAt);
  if (!event) {
    const finished = await deps.prisma.event.findUnique({ where: { token }, select: { result: true } });
    if (!finished) throw new EventNotFoundError(token);
    return { kind: 'finished', result: finished.result as unknown as ResultBody, hookCalls: [], delivery: null, alreadyFinished: true };
  }
  // Attempts are numbered by the event's own counter, so an operator's retry continues the timeline.
  const attempt: AttemptInfo = { workerId: options.workerId, attempt: event.attempts, startedAt };

  const fetched = await documentOf(deps, event);
  if ('failure' in fetched) return finishWithoutApply(deps.prisma, event, fetched.failure, attempt, options);
  const parsed = parseEventDocument(fetched.raw);
  if ('problems' in parsed) {
    const message = `The event could not be read: ${parsed.problems.slice(0, 5).join('; ')}.`;
    return finishWithoutApply(deps.prisma, event, { code: 'INVALID_RESPONSE', message }, attempt, options);
  }
  const document = parsed.document;
  if (document.flag === 'STATELESS') {
    return finishWithoutApply(deps.prisma, event, { success: 'Ping test received; nothing was changed.' }, attempt, options);
  }
  const apply = APPLY_BY_TYPE[document.type];
  if (!apply) {
    return finishWithoutApply(deps.prisma, event, { code: 'CONFIGURATION_ERROR', message: `Event type ${document.type} is not supported by this application.` }, attempt, options);
  }

  try {
    return await deps.prisma.$transaction(
      async (tx) => {
        const lockKey = lockKeyFor(event.accountId, document);
        if (lockKey) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`;
        // Under the lock, in one round trip: is it still unfinished, does an earlier event of
        // the account still wait (arrival order per account), is the account still being provisioned?
        const [state] = await tx.$queryRaw<Array<{ status: string; result: unknown; earlier: boolean; provisioning: string | null }>>`
          SELECT e.status::text AS status, e.result,
                 EXISTS (SELECT 1 FROM events p WHERE p."accountId" = e."accountId" AND p.seq < e.seq
                         AND p.status IN (${UNFINISHED_SQL})) AS earlier,
                 (SELECT a."provisioningStatus"::text FROM accounts a WHERE a.id = e."accountId") AS provisioning
          FROM events e WHERE e.seq = ${event.seq}`;
        if (!state || isFinal(state.status)) {
          // Finished by another worker while this one waited for the lock (one drained it).
          return { kind: 'finished', result: state?.result as ResultBody, hookCalls: [], delivery: null, alreadyFinished: true } as const;
        }
        if (event.accountId) {
          if (state.earlier) return { kind: 'deferred', reason: 'ordering', retryInMs: ORDERING_RETRY_MS } as const;
          const waiting = await pendingProvisioning(tx, event, state.provisioning, deps.config.pendingWaitMs, options.synchronous);
          if (waiting === 'wait') return { kind: 'deferred', reason: 'pending', retryInMs: PENDING_RETRY_MS } as const;
          if (waiting === 'expired') {
            const outcome: FinalOutcome = { result: resultOf(false, { errorCode: 'PENDING', message: EVENT_ERROR_CODES.PENDING.userMessage }), hooks: [] };
            const rows = await finishEvent(tx, event, outcome, attempt, { answeredSynchronously: options.synchronous });
            return { kind: 'finished', result: outcome.result, ...rows, type: document.type } as const;
          }
        }
        const outcome = await apply({ tx, token, document, development: event.development });
        const final = toFinal(outcome, document);
        const rows = await finishEvent(tx, event, final, attempt, { answeredSynchronously: options.synchronous });
        return { kind: 'finished', result: final.result, ...rows, type: document.type } as const;
      },
      { timeout: 15_000, maxWait: 10_000 },
    );
  } catch (error) {
    if (error instanceof EventFinishedElsewhereError) {
      const finished = await deps.prisma.event.findUniqueOrThrow({ where: { token }, select: { result: true } });
      return { kind: 'finished', result: finished.result as unknown as ResultBody, hookCalls: [], delivery: null, alreadyFinished: true };
    }
    if (isTransientDatabaseError(error)) throw new TransientEventError('apply', `database: ${(error as Error).message.split('\n').slice(-1)[0]}`, { cause: error });
    throw error;
  }
}

/** Serialises work on one account (or, for a new order, on one company + application). */
function lockKeyFor(accountId: string | null, document: EventDocument): string | null {
  if (accountId) return `account:${accountId}`;
  const company = document.payload.company;
  if (document.type === 'SUBSCRIPTION_ORDER' && company) return `order:${company.uuid}:${document.applicationUuid ?? ''}`;
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
  if (synchronous) return 'wait'; // the API falls back to the queue
  if (!event.pendingSince) await markPendingSince(tx, event.seq, since);
  return Date.now() - since.getTime() >= budgetMs ? 'expired' : 'wait';
}

function toFinal(outcome: Outcome, document: EventDocument): FinalOutcome {
  if (!outcome.success) return { result: resultOf(false, { errorCode: outcome.errorCode, message: outcome.message }), hooks: [] };
  const isNewAccount = document.type === 'SUBSCRIPTION_ORDER' && !document.payload.account?.parentAccountIdentifier;
  return {
    result: resultOf(true, { accountIdentifier: outcome.accountIdentifier, userIdentifier: outcome.userIdentifier, message: outcome.message }),
    hooks: outcome.hooks,
    accountId: isNewAccount ? outcome.accountIdentifier : undefined,
  };
}

type EarlyOutcome = { code: EventErrorCode; message: string; lastError?: string } | { success: string };

async function finishWithoutApply(
  prisma: PrismaClient,
  event: Event,
  early: EarlyOutcome,
  attempt: AttemptInfo,
  options: Pick<RunOptions, 'synchronous'>,
): Promise<RunResult> {
  const result = 'success' in early ? resultOf(true, { message: early.success }) : resultOf(false, { errorCode: early.code, message: early.message });
  const lastError = 'code' in early ? early.lastError : undefined;
  return prisma.$transaction(async (tx) => {
    const current = await tx.event.findUniqueOrThrow({ where: { seq: event.seq } });
    if (isFinal(current.status)) {
      return { kind: 'finished', result: current.result as unknown as ResultBody, hookCalls: [], delivery: null } as const;
    }
    const rows = await finishEvent(tx, event, { result, hooks: [] }, attempt, { answeredSynchronously: options.synchronous, lastError });
    return { kind: 'finished', result, ...rows } as const;
  });
}

/**
 * The raw event document: the stored one, or fetched now (and stored with the
 * fields the admin views filter on). Non-transient fetch failures become results.
 */
async function documentOf(deps: RunDeps, event: Event): Promise<{ raw: unknown } | { failure: { code: EventErrorCode; message: string; lastError: string } }> {
  if (event.payload !== null) return { raw: event.payload };
  const consumer = event.consumerKey
    ? deps.config.appdirect.consumerCredentials.find((c) => c.key === event.consumerKey)
    : undefined;
  let raw: unknown;
  try {
    raw = await deps.marketplace.fetchEvent(event.eventUrl, { consumer });
  } catch (error) {
    if (error instanceof MarketplaceError && !error.transient) {
      const code: EventErrorCode = error.kind === 'http' ? 'TRANSPORT_ERROR' : 'INVALID_RESPONSE';
      return { failure: { code, message: EVENT_ERROR_CODES[code].userMessage, lastError: error.message } };
    }
    throw new TransientEventError('fetch', (error as Error).message, { cause: error });
  }
  await storeDocument(deps.prisma, event.seq, raw);
  return { raw };
}

/**
 * Attempts are used up: the event becomes failed and its final code is
 * reported — TRANSPORT_ERROR when it could not be fetched, UNKNOWN_ERROR otherwise.
 * The operator sees the last error; AppDirect's user sees a safe text.
 */
export async function giveUp(deps: Pick<RunDeps, 'prisma'>, token: string, error: TransientEventError, attemptInfo: AttemptInfo): Promise<RunResult> {
  let attempt = attemptInfo;
  const event = await deps.prisma.event.findUniqueOrThrow({ where: { token } });
  attempt = { ...attempt, attempt: Math.max(event.attempts, 1) };
  const code: EventErrorCode = error.stage === 'fetch' ? 'TRANSPORT_ERROR' : 'UNKNOWN_ERROR';
  return finishWithoutApply(deps.prisma, event, { code, message: EVENT_ERROR_CODES[code].userMessage, lastError: error.message }, attempt, {
    synchronous: false,
  });
}
