/**
 * Accepting an AppDirect notification, once its caller is authenticated: guard the event URL, record
 * the notification durably, then answer now (with the result) or later (202, the worker takes over).
 *
 *  - probe tokens (dummy*): 200 success, nothing kept;
 *  - a token already finished: 200 with the stored result; still in flight: 202, no second job;
 *  - `ack=early` (a URL that never carries SUBSCRIPTION_NOTICE): 202 at once, the worker fetches;
 *  - otherwise the event is fetched inline to learn its type: SUBSCRIPTION_NOTICE and flag STATELESS
 *    are run now and answered 200 with the result; everything else is answered 202.
 *
 * The inbox row is committed before anything is enqueued, so a Redis outage still answers 202 and the
 * sweeper enqueues later. The HTTP layer (src/http/callback) maps the answer onto the response.
 */
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import { parseEventUrl, type EventLocation } from '../marketplace/event-url';
import type { ProcessMetrics } from '../metrics/registry';
import type { Producer } from '../queue/producer';
import { DocumentWriter, storeDocument } from './document';
import { NotificationRecorder, recordNonce, type InboxRow, type NonceRecord } from './record';
import { runEvent } from './run';
import { isFinal } from './statuses';
import { markNotQueued, markQueued } from './transitions';

export interface AcceptDeps {
  readonly config: Config;
  readonly prisma: PrismaClient;
  readonly producer: Producer;
  readonly marketplace: MarketplaceClient;
  readonly metrics: ProcessMetrics;
}

/** A notification whose caller is authenticated; its parameters are as received (still to be checked). */
export interface Notification {
  readonly eventUrl: unknown;
  readonly ack: unknown;
  /** The OAuth 1.0a nonce to spend with the record (other credential models carry none). */
  readonly nonce: NonceRecord | undefined;
  readonly logger: Logger;
}

/** What to answer, and work to start once the answer is sent. */
export interface Answer {
  readonly status: 200 | 202;
  readonly body: ResultBody | { success: true; message?: string };
  readonly afterAnswer?: () => void;
}

const accepted: Answer['body'] = { success: true };

export class NotificationAcceptor {
  private readonly recorder: NotificationRecorder;
  private readonly documents: DocumentWriter;

  constructor(private readonly deps: AcceptDeps) {
    this.recorder = new NotificationRecorder(deps.prisma);
    this.documents = new DocumentWriter(deps.prisma);
  }

  /** The whole use case; throws AppError (400) for bad parameters and NonceReplayedError for a replay. */
  async accept(notification: Notification): Promise<Answer> {
    const location = this.guardEventUrl(notification.eventUrl);
    const early = answersOnRecord(notification.ack);
    if (location.isProbe) return this.answerProbe(notification);

    const { event, created } = await this.recorder.record(
      { token: location.token, eventUrl: location.eventUrl, marketplaceBaseUrl: location.marketplaceOrigin, consumerKey: notification.nonce?.consumerKey, nonce: notification.nonce },
      { queued: early },
    );
    if (!created) return this.answerRepeat(event, notification.logger);
    // Committed as `queued`: that is all the answer needs; the job is added after answering.
    if (early) return this.answerLater(event, notification.logger);

    const document = await this.fetchInline(location.eventUrl, event.consumerKey, notification.logger);
    if (document !== null && !answersSynchronously(document)) {
      // The common path: one UPDATE (shared with concurrent requests) stores the document and marks the row queued.
      await this.documents.store(event.seq, document, { queued: true });
      return this.answerLater(event, notification.logger);
    }
    if (document !== null) {
      const answer = await this.answerNow(event, document);
      if (answer) return answer;
    }
    // The fetch failed or timed out (or the event must wait for its account): the worker takes over.
    await this.enqueue(event, notification.logger);
    return { status: 202, body: accepted };
  }

  /** The SSRF guard: only an event URL of a configured marketplace is ever fetched. */
  private guardEventUrl(raw: unknown): EventLocation {
    if (raw === undefined || raw === '') throw new AppError('PARAMETER_MISSING', { name: 'eventUrl' });
    if (typeof raw !== 'string') throw new AppError('PARAMETER_INVALID', { name: 'eventUrl', reason: 'given more than once' });
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
          logger.warn({ err: (error as Error).message, token: event.token }, 'could not put the event back to received; the sweeper will enqueue it'),
        );
      },
    };
  }

  /** NOTICE / STATELESS: run it now and answer with the result; null when it must wait (the worker takes over). */
  private async answerNow(event: InboxRow, document: unknown): Promise<Answer | null> {
    await storeDocument(this.deps.prisma, event.seq, document);
    const outcome = await runEvent(this.deps, event.token, { workerId: `api-${process.pid}`, synchronous: true });
    if (outcome.kind !== 'finished') return null;
    if (!outcome.alreadyFinished) this.deps.metrics.eventsTotal.inc({ type: outcome.type ?? 'unknown', code: outcome.result.errorCode ?? 'SUCCESS' });
    return { status: 200, body: outcome.result };
  }

  /** Fetches the event within the deadline; null when it could not (the worker will). */
  private async fetchInline(eventUrl: string, consumerKey: string | null, logger: Logger): Promise<unknown> {
    const { config, marketplace } = this.deps;
    const consumer = consumerKey ? config.appdirect.consumerCredentials.find((c) => c.key === consumerKey) : undefined;
    try {
      return await marketplace.fetchEvent(eventUrl, { timeoutMs: config.eventFetchDeadlineMs, consumer });
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
      if (!alreadyMarked) await markQueued(prisma, event.seq);
    } catch (error) {
      logger.warn({ err: (error as Error).message, token: event.token }, 'could not enqueue; the event is safe in the inbox and the sweeper will enqueue it');
      if (alreadyMarked) await markNotQueued(prisma, event.seq);
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
  const doc = (raw ?? {}) as { type?: unknown; flag?: unknown };
  return doc.type === 'SUBSCRIPTION_NOTICE' || doc.flag === 'STATELESS';
}
