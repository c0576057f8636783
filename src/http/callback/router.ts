/**
 * GET /appdirect/events?eventUrl=<url-encoded event URL>[&ack=early]
 *
 * authenticate -> validate eventUrl -> record (commit) -> answer:
 *  - probe tokens (dummy*): 200 success, nothing kept;
 *  - a token already finished: 200 with the stored result; still in flight: 202, no second job;
 *  - `ack=early` (a URL that never carries SUBSCRIPTION_NOTICE): enqueued at once,
 *    202 {"success":true}; the worker fetches the event;
 *  - otherwise the event is fetched inline to learn its type: SUBSCRIPTION_NOTICE and flag
 *    STATELESS are run inline, 200 with the result; everything else is enqueued, 202.
 * The inbox row is committed before anything is enqueued, so a Redis outage
 * still answers 202 and the sweeper enqueues later.
 */
import { Router, type Request } from 'express';
import { AppError } from '../../errors/app-error';
import { DocumentWriter, storeDocument } from '../../inbox/document';
import { runEvent } from '../../inbox/process';
import { FINAL_STATUSES, NonceReplayedError, NotificationRecorder, recordNonce } from '../../inbox/record';
import { markNotQueued, markQueued } from '../../inbox/status';
import { parseEventUrl, type EventLocation } from '../../marketplace/event-url';
import type { ResultBody } from '../../marketplace/client';
import type { AppDeps } from '../app';
import { authenticateAppDirect, callerOf, nonceReplayedError } from '../auth/authenticate';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';

export const CALLBACK_PATH = '/appdirect/events';

function locationOf(req: Request, deps: AppDeps): EventLocation {
  const raw = req.query.eventUrl;
  if (raw === undefined || raw === '') throw new AppError('PARAMETER_MISSING', { name: 'eventUrl' });
  if (typeof raw !== 'string') throw new AppError('PARAMETER_INVALID', { name: 'eventUrl', reason: 'given more than once' });
  const location = parseEventUrl(raw, deps.config.appdirect.marketplaceOrigins);
  if ('problem' in location) throw new AppError('PARAMETER_INVALID', { name: 'eventUrl', reason: location.problem });
  return location;
}

/**
 * `ack=early`: answer 202 as soon as the notification is recorded and leave the fetch to the
 * worker — the asynchronous flow AppDirect recommends ("answer with 202 at once"). Only for
 * notification URLs that never carry SUBSCRIPTION_NOTICE, which AppDirect expects answered
 * synchronously: a product can give AppDirect one URL per event type and keep this static
 * parameter off the Subscription Status (notice) URL. Without it (`ack=after-fetch`, the default)
 * the event is fetched inline first, so NOTICE and STATELESS ping tests can be answered in the response.
 */
function answersOnRecord(req: Request): boolean {
  const raw = req.query.ack;
  if (raw === undefined || raw === 'after-fetch') return false;
  if (raw === 'early') return true;
  throw new AppError('PARAMETER_INVALID', { name: 'ack', reason: 'expected early or after-fetch' });
}

/** Types answered in the HTTP response: NOTICE is sync-only in AppDirect's docs; STATELESS is the ping test. */
function answersSynchronously(raw: unknown): boolean {
  const doc = (raw ?? {}) as { type?: unknown; flag?: unknown };
  return doc.type === 'SUBSCRIPTION_NOTICE' || doc.flag === 'STATELESS';
}

export function callbackRouter(deps: AppDeps): Router {
  const router = Router();
  const { prisma, producer, marketplace, config, logger } = deps;
  const recorder = new NotificationRecorder(prisma);
  const documents = new DocumentWriter(prisma);

  /**
   * Enqueues the event. `alreadyMarked`: the row was set `queued` together with
   * its document. With Redis away the row is (put back) `received` and the sweeper picks it up.
   */
  const enqueue = async (req: Request, seq: bigint, token: string, alreadyMarked = false): Promise<void> => {
    try {
      await producer.enqueueEvent(token);
      if (!alreadyMarked) await markQueued(prisma, seq);
    } catch (error) {
      req.log.warn({ err: (error as Error).message, token }, 'could not enqueue; the event is safe in the inbox and the sweeper will enqueue it');
      if (alreadyMarked) await markNotQueued(prisma, seq);
    }
  };

  /** For a row already committed `queued`: adds its job without holding up the answer. */
  const enqueueAfterAnswer = (req: Request, seq: bigint, token: string): void => {
    enqueue(req, seq, token, true).catch((error: unknown) =>
      req.log.warn({ err: (error as Error).message, token }, 'could not put the event back to received; the sweeper will enqueue it'),
    );
  };

  /** Fetches the event within the deadline; null when it could not (the worker will). */
  const fetchInline = async (req: Request, eventUrl: string, consumerKey: string | undefined): Promise<unknown> => {
    const consumer = consumerKey ? config.appdirect.consumerCredentials.find((c) => c.key === consumerKey) : undefined;
    try {
      return await marketplace.fetchEvent(eventUrl, { timeoutMs: config.eventFetchDeadlineMs, consumer });
    } catch (error) {
      req.log.info({ err: (error as Error).message }, 'inline fetch failed; falling back to the queue');
      return null;
    }
  };

  route(router, CALLBACK_PATH, {
    get: [
      produces('application/json'),
      authenticateAppDirect(config, logger),
      async (req, res) => {
        const location = locationOf(req, deps);
        const answerOnRecord = answersOnRecord(req);
        const caller = callerOf(res);
        try {
          if (location.isProbe) {
            if (caller.nonce) await recordNonce(prisma, caller.nonce);
            res.json({ success: true, message: 'Probe received.' });
            return;
          }
          const { event, created } = await recorder.record(
            {
              token: location.token,
              eventUrl: location.eventUrl,
              marketplaceBaseUrl: location.marketplaceOrigin,
              consumerKey: caller.nonce?.consumerKey,
              nonce: caller.nonce,
            },
            { queued: answerOnRecord },
          );
          if (!created) {
            if ((FINAL_STATUSES as readonly string[]).includes(event.status)) {
              res.json(event.result as unknown as ResultBody);
              return;
            }
            if (event.status === 'received') await enqueue(req, event.seq, event.token);
            res.status(202).json({ success: true });
            return;
          }
          if (answerOnRecord) {
            // Committed as `queued`: that is all the answer needs. The job is added after
            // answering; should that fail (or this process die first), the sweeper adds it.
            res.status(202).json({ success: true });
            enqueueAfterAnswer(req, event.seq, event.token);
            return;
          }
          const raw = await fetchInline(req, location.eventUrl, event.consumerKey ?? undefined);
          if (raw !== null && !answersSynchronously(raw)) {
            // The common path: one UPDATE (shared with concurrent requests) stores the document and
            // marks the row queued; the job is added after answering (the sweeper covers a failure).
            await documents.store(event.seq, raw, { queued: true });
            res.status(202).json({ success: true });
            enqueueAfterAnswer(req, event.seq, event.token);
            return;
          }
          if (raw !== null) {
            // NOTICE / STATELESS: run it now and answer with the result.
            await storeDocument(prisma, event.seq, raw);
            const outcome = await runEvent(deps, event.token, { workerId: `api-${process.pid}`, synchronous: true });
            if (outcome.kind === 'finished') {
              if (!outcome.alreadyFinished) deps.metrics.eventsTotal.inc({ type: outcome.type ?? 'unknown', code: outcome.result.errorCode ?? 'SUCCESS' });
              res.json(outcome.result);
              return;
            }
          }
          // The fetch failed or timed out (or the event must wait for its account): the worker takes over.
          await enqueue(req, event.seq, event.token);
          res.status(202).json({ success: true });
        } catch (error) {
          if (error instanceof NonceReplayedError) throw nonceReplayedError(config);
          throw error;
        }
      },
    ],
  });
  return router;
}
