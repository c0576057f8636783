/**
 * Accepting an AppDirect notification, once its caller is authenticated: guard the event URL, record
 * the notification durably, then answer now (with the result) or later (202, the worker takes over).
 *
 *  - probe tokens (dummy*): 200 success, nothing kept;
 *  - a token already finished: 200 with the stored result; still in flight: 202, no second job;
 *  - `ack=early` (a URL that never carries SUBSCRIPTION_NOTICE): 202 at once, the worker fetches;
 *  - otherwise the event is fetched inline to learn its type: SUBSCRIPTION_NOTICE and flag STATELESS
 *    are run now and answered 200 with the result, within one time budget counted from the request's
 *    arrival (SYNC_ANSWER_BUDGET_MS; AppDirect waits 5 s): fetch and token request, the account's
 *    provisioning and locks, the apply. A notice that cannot finish in time is answered 200 PENDING and
 *    applied right after by a worker; everything else is answered 202.
 *
 * The inbox row is committed before anything is enqueued, so a Redis outage still answers 202 and the
 * sweeper enqueues later. The HTTP layer (src/http/callback) maps the answer onto the response.
 */
import { isTransientDatabaseError } from '../db/failures';
import type { ProductConnection } from '../hooks/product';
import { provisioningStatusOf } from '../accounts/accounts';
import type { Config } from '../config';
import { type PrismaClient } from '../db/client';
import { pooledSql } from '../db/sql';
import { AppError } from '../errors/app-error';
import { DeadlineExceededError, describeFailure, TransientEventError } from '../errors/internal';
import { isPingTest, unstorableReason } from '../events/schema';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import { parseEventUrl, type EventLocation } from '../marketplace/event-url';
import type { Producer } from '../queue/producer';
import { resultOf } from './finish';
import { recordNonce, type InboxRow, type NonceRecord } from './record';
import type { Run } from './outcomes';
import { ANSWER_RESERVE_MS, giveUp, runEvent, type RunDeps } from './run';
import { isFinal } from './statuses';
import { markNotQueued, markQueued, recordRetry } from './transitions';
import { InboxWriter } from './writer';

export interface AcceptDeps {
  readonly config: Config;
  readonly prisma: PrismaClient;
  readonly producer: Producer;
  readonly marketplace: MarketplaceClient;
  /** Counts events settled here (src/metrics' counter of the same name). */
  readonly metrics: { readonly eventsTotal: { inc(labels: { type: string; code: string }): void } };
  readonly product: ProductConnection;
}

/** A notification whose caller is authenticated; its parameters are as received (still to be checked). */
export interface Notification {
  readonly eventUrl: unknown;
  readonly ack: unknown;
  /** The OAuth 1.0a nonce to spend with the record (other credential models carry none). */
  readonly nonce: NonceRecord | undefined;
  /** Epoch ms the request arrived: the synchronous answer's budget counts from here. */
  readonly receivedAt: number;
  readonly logger: Logger;
}

/** What to answer, and work to start once the answer is sent. */
export interface Answer {
  readonly status: 200 | 202;
  readonly body: ResultBody | { success: true; message?: string };
  readonly afterAnswer?: () => void;
}

const accepted: Answer['body'] = { success: true };
/** How often a notice checks whether its account's provisioning has finished. */
const PROVISIONING_POLL_MS = 25;

export class NotificationAcceptor {
  /** Records notifications and stores fetched documents, batched: one statement per burst. */
  private readonly inbox: InboxWriter;

  /** What the synchronous run takes: the API's database is the pool under its Prisma client. */
  private readonly runDeps: RunDeps;

  constructor(private readonly deps: AcceptDeps) {
    this.runDeps = { ...deps, db: deps.prisma };
    this.inbox = new InboxWriter(deps.prisma);
  }

  /** The whole use case; throws AppError (400) for bad parameters and NonceReplayedError for a replay. */
  async accept(notification: Notification): Promise<Answer> {
    const location = this.guardEventUrl(notification.eventUrl);
    const early = answersOnRecord(notification.ack);
    if (location.isProbe) return this.answerProbe(notification);

    const { event, created } = await this.inbox.record(
      {
        token: location.token,
        eventUrl: location.eventUrl,
        marketplaceBaseUrl: location.marketplaceOrigin,
        consumerKey: notification.nonce?.consumerKey,
        nonce: notification.nonce,
      },
      { queued: early },
    );
    if (!created) return this.answerRepeat(event, notification.logger);
    // Committed as `queued`: that is all the answer needs; the job is added after answering.
    if (early) return this.answerLater(event, notification.logger);

    const deadlineAt = notification.receivedAt + this.deps.config.syncAnswerBudgetMs;
    const document = await this.fetchInline(location.eventUrl, event.consumerKey, deadlineAt, notification.logger);
    if (document === null) {
      // The fetch failed or missed its deadline: the type is unknown, so the worker takes over.
      await this.enqueue(event, notification.logger);
      return { status: 202, body: accepted };
    }
    if (answersSynchronously(document)) return this.answerNow(event, document, deadlineAt, notification.logger);
    if (unstorableReason(document) !== null) {
      // The worker fetches it again and reports INVALID_RESPONSE at its first attempt.
      await this.enqueue(event, notification.logger);
      return { status: 202, body: accepted };
    }
    // The common path: one statement, shared with concurrent requests (their documents, their new notifications),
    // stores the document and marks the row queued.
    try {
      await this.inbox.storeDocument(event.seq, document, { queued: true });
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      // The notification is recorded (committed before the fetch): the worker fetches the event again, so
      // a database blip here is no reason to make AppDirect notify again.
      notification.logger.warn(
        { err: (error as Error).message, token: event.token },
        'could not store the fetched event; the worker fetches it again',
      );
      await this.enqueue(event, notification.logger);
      return { status: 202, body: accepted };
    }
    return this.answerLater(event, notification.logger);
  }

  /** The SSRF guard: only an event URL of a configured marketplace is ever fetched. */
  private guardEventUrl(raw: unknown): EventLocation {
    if (raw === undefined || raw === '') throw new AppError('PARAMETER_MISSING', { name: 'eventUrl' });
    if (typeof raw !== 'string')
      throw new AppError('PARAMETER_INVALID', { name: 'eventUrl', reason: 'given more than once' });
    const location = parseEventUrl(raw, this.deps.config.appdirect.marketplaceOrigins);
    if ('problem' in location) throw new AppError('PARAMETER_INVALID', { name: 'eventUrl', reason: location.problem });
    return location;
  }

  /** AppDirect's liveness probes: the nonce is still spent (a replayed probe is refused), nothing else is kept. */
  private async answerProbe(notification: Notification): Promise<Answer> {
    if (notification.nonce) await recordNonce(this.deps.prisma, notification.nonce);
    return { status: 200, body: { success: true, message: 'Probe received.' } };
  }

  /** A token seen before: its stored result when finished; otherwise 202 (enqueued again only if it never was). */
  private async answerRepeat(event: InboxRow, logger: Logger): Promise<Answer> {
    if (isFinal(event.status)) return { status: 200, body: event.result as unknown as ResultBody };
    if (event.status === 'received') await this.enqueue(event, logger);
    return { status: 202, body: accepted };
  }

  /** 202 now; the job of a row committed `queued` is added after answering (the sweeper covers a failure). */
  private answerLater(event: InboxRow, logger: Logger): Answer {
    return {
      status: 202,
      body: accepted,
      afterAnswer: () => {
        this.enqueue(event, logger, true).catch((error: unknown) =>
          logger.warn(
            { err: (error as Error).message, token: event.token },
            'could not put the event back to received; the sweeper will enqueue it',
          ),
        );
      },
    };
  }

  /**
   * SUBSCRIPTION_NOTICE / STATELESS: run it now and answer 200 with the result, within the budget. AppDirect
   * reads a notice's result from this answer only, so it is never 202: a notice that cannot be applied in
   * time (the account's provisioning, its lock or the database too slow) is answered 200 PENDING and applied
   * right after by a worker (ahead of the account's queued events; the marketplace's state has changed
   * already), and one that fails for good is answered with its code.
   */
  private async answerNow(event: InboxRow, document: unknown, deadlineAt: number, logger: Logger): Promise<Answer> {
    const workerId = `api-${process.pid}`;
    const startedAt = new Date();
    const accountId = accountIdOf(document);
    const provisioned =
      accountId === null || isPingTest(document) || (await this.waitUntilProvisioned(accountId, deadlineAt));
    let run: Run | null = null;
    let lateReason = provisioned ? '' : 'the account is still being provisioned';
    if (provisioned) {
      try {
        run = await runEvent(this.runDeps, event.token, { workerId, synchronous: { document, deadlineAt } });
        if (run.own.kind === 'deferred')
          lateReason =
            run.own.reason === 'product'
              ? "waiting for the product's decision"
              : 'the account is still being provisioned';
      } catch (error) {
        if (
          error instanceof DeadlineExceededError ||
          error instanceof TransientEventError ||
          isTransientDatabaseError(error)
        ) {
          lateReason = (error as Error).message;
        } else {
          // An error no retry can fix: reported now, with a clean message for operators (the stack to the log).
          logger.error({ err: error, token: event.token }, 'notice failed with an error no retry can fix');
          run = await giveUp(
            this.runDeps,
            event.token,
            { code: 'UNKNOWN_ERROR', lastError: describeFailure(error) },
            { workerId, startedAt },
          );
        }
      }
    }
    const own = run?.own;
    if (own?.kind === 'finished' || own?.kind === 'alreadyFinished') {
      if (own.kind === 'finished')
        this.deps.metrics.eventsTotal.inc({ type: own.type ?? 'unknown', code: own.result.errorCode ?? 'SUCCESS' });
      // The notify calls it wrote go to the workers now (else they wait for the sweeper, and with them the
      // account's later calls, which are sent in order).
      const calls = own.kind === 'finished' ? own.hookCalls : [];
      const afterAnswer =
        calls.length === 0
          ? undefined
          : () => void Promise.all(calls.map((call) => this.deps.producer.enqueueHook(call.id))).catch(() => undefined);
      return { status: 200, body: own.result, afterAnswer };
    }
    return this.answerPendingThenApply(
      event,
      `answered PENDING within the answer's time budget: ${lateReason}`,
      { workerId, startedAt },
      logger,
    );
  }

  /** The notice goes on in a worker; AppDirect is told it is being applied (PENDING, in a 200). */
  private async answerPendingThenApply(
    event: InboxRow,
    note: string,
    attempt: { workerId: string; startedAt: Date },
    logger: Logger,
  ): Promise<Answer> {
    await recordRetry(pooledSql(this.deps.prisma), event.token, new Error(note), attempt, 'deferred');
    this.deps.metrics.eventsTotal.inc({ type: 'SUBSCRIPTION_NOTICE', code: 'PENDING' });
    const answer = this.answerLater(event, logger);
    return {
      ...answer,
      status: 200,
      body: resultOf(false, {
        errorCode: 'PENDING',
        message: 'The change is being applied; it takes effect in a moment.',
      }),
    };
  }

  /** Waits (within the budget) for the account's product provisioning, which later events of it wait for. */
  private async waitUntilProvisioned(accountId: string, deadlineAt: number): Promise<boolean> {
    for (;;) {
      if ((await provisioningStatusOf(pooledSql(this.deps.prisma), accountId)) !== 'pending') return true;
      if (Date.now() + PROVISIONING_POLL_MS >= deadlineAt) return false;
      await new Promise((resolve) => setTimeout(resolve, PROVISIONING_POLL_MS));
    }
  }

  /**
   * Fetches the event within the answer's budget, less only the time it takes to answer: the fetch may use
   * whatever the apply does not need. A notice fetched too late to apply in time is still answered 200 (PENDING,
   * applied right after); null when the event could not be fetched in time (its type is unknown: 202).
   */
  private async fetchInline(
    eventUrl: string,
    consumerKey: string | null,
    deadlineAt: number,
    logger: Logger,
  ): Promise<unknown> {
    const { config, marketplace } = this.deps;
    const consumer = consumerKey ? config.appdirect.consumerCredentials.find((c) => c.key === consumerKey) : undefined;
    const timeoutMs = deadlineAt - ANSWER_RESERVE_MS - Date.now();
    if (timeoutMs <= 0) return null;
    try {
      return await marketplace.fetchEvent(eventUrl, { timeoutMs, consumer });
    } catch (error) {
      logger.info({ err: (error as Error).message }, 'inline fetch failed; falling back to the queue');
      return null;
    }
  }

  /**
   * Enqueues the event. `alreadyMarked`: the row was committed `queued`. With Redis away the row is
   * (put back) `received` and the sweeper picks it up.
   */
  private async enqueue(event: InboxRow, logger: Logger, alreadyMarked = false): Promise<void> {
    const { producer, prisma } = this.deps;
    try {
      await producer.enqueueEvent(event.token);
      if (!alreadyMarked) await markQueued(pooledSql(prisma), event.seq);
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, token: event.token },
        'could not enqueue; the event is safe in the inbox and the sweeper will enqueue it',
      );
      // A row left `queued` without a job is found by the sweeper too, only later: putting it back is a speed-up.
      if (alreadyMarked) await markNotQueued(pooledSql(prisma), event.seq).catch(() => undefined);
    }
  }
}

/**
 * `ack=early`: answer 202 as soon as the notification is recorded and leave the fetch to the worker — the
 * asynchronous flow AppDirect recommends. Only for notification URLs that never carry SUBSCRIPTION_NOTICE,
 * which AppDirect expects answered synchronously: a product can give AppDirect one URL per event type and
 * keep this static parameter off the Subscription Status (notice) URL. Without it (`ack=after-fetch`, the
 * default) the event is fetched inline first, so NOTICE and STATELESS ping tests are answered in the response.
 */
function answersOnRecord(raw: unknown): boolean {
  if (raw === undefined || raw === 'after-fetch') return false;
  if (raw === 'early') return true;
  throw new AppError('PARAMETER_INVALID', { name: 'ack', reason: 'expected early or after-fetch' });
}

/** Types answered in the HTTP response: NOTICE is sync-only in AppDirect's docs; STATELESS is the ping test. */
function answersSynchronously(raw: unknown): boolean {
  return isPingTest(raw) || (raw as { type?: unknown } | null)?.type === 'SUBSCRIPTION_NOTICE';
}

/**
 * The account a (not yet validated) document names, when it names one as text PostgreSQL can hold: it is
 * queried before the document is validated (a NUL made that query fail, answered 500). A document that holds
 * such text anywhere is refused (INVALID_RESPONSE) by the run, without waiting for an account.
 */
function accountIdOf(raw: unknown): string | null {
  if (unstorableReason(raw) !== null) return null;
  const id = (raw as { payload?: { account?: { accountIdentifier?: unknown } } } | null)?.payload?.account
    ?.accountIdentifier;
  return typeof id === 'string' && id.length > 0 && id.length <= 255 ? id : null;
}
