/**
 * The events queue: a job carries an event token; running it runs the event — with the waiting events of its
 * account that come with it (src/inbox/run.ts) — then their follow-ups, then goes on through the account's
 * next waiting events. Business outcomes are final at once; faults are retried (retry-policy.ts) and the last
 * attempt reports TRANSPORT_ERROR / UNKNOWN_ERROR. Waiting (per-account order, PENDING) delays the job
 * without spending an attempt.
 */
import { z } from 'zod';
import { pooledSql } from '../db/sql';
import { describeFailure, EventNotFoundError, TransientEventError } from '../errors/internal';
import type { Run } from '../inbox/outcomes';
import { giveUp, runEvent } from '../inbox/run';
import { nextEventOfAccount, recordRetry } from '../inbox/transitions';
import { QUEUES } from '../queue/names';
import type { RetryPolicies, RetryPolicy } from '../queue/policy';
import type { TokenJob } from '../queue/producer';
import type { JobContext, JobDefinition, JobOutcome } from '../queue/worker-loop';
import type { JobDeps } from './deps';
import { countSettled, sendFollowUps } from './follow-ups';

export const eventJobData = z.strictObject({ token: z.string().min(1).max(512) }) satisfies z.ZodType<TokenJob>;

/** Going through one account goes on for at most this many events or this long, then hands over to the queue. */
const DRAIN_MAX = 100;
const DRAIN_MS = 5_000;
/** The most events one run decides (the account's lock is held that long; a notice waits for it). */
export const RUN_MAX = 50;

export function eventJob(deps: JobDeps, policies: RetryPolicies): JobDefinition<TokenJob> {
  const policy = policies[QUEUES.events];
  return {
    queue: QUEUES.events,
    data: eventJobData,
    concurrency: deps.config.workerConcurrency,
    policy,
    run: (data, context) => runEventJob(deps, policy, data.token, context),
  };
}

async function runEventJob(
  deps: JobDeps,
  policy: RetryPolicy,
  token: string,
  context: JobContext,
): Promise<JobOutcome> {
  const startedAt = new Date();
  let run: Run;
  try {
    run = await runEvent(deps, token, { workerId: context.workerId, max: RUN_MAX });
  } catch (error) {
    if (error instanceof EventNotFoundError) throw error; // no event to settle: the job fails for good
    // PostgreSQL away: nothing can be recorded now, and the event has not failed; the worker loop runs the job
    // again once the database may be back, without spending an attempt.
    if (policy.isOutage(error)) throw error;
    const final = await settleFailure(deps, policy, token, error, { workerId: context.workerId, startedAt }, context);
    if (!final) throw error; // BullMQ retries it with the events backoff
    return;
  }
  // The run wrote why the event waits (its timeline, the product's or the provisioning's wait) with its lock held.
  if (run.own.kind === 'deferred') return { retryInMs: run.own.retryInMs };
  if (run.own.kind === 'alreadyFinished') return; // finished elsewhere (drained, answered synchronously, cancelled)
  await goThroughAccount(deps, run, token, context.workerId);
}

/**
 * A run that threw: a fault worth retrying is recorded and retried (false) until its last attempt, which
 * reports TRANSPORT_ERROR (the fetch failed) or UNKNOWN_ERROR; anything else (a defect, an error no retry
 * can fix) reports UNKNOWN_ERROR at once, the stack in the log and a clean message for operators, who can
 * retry it once fixed. Returns true when the event is settled.
 */
async function settleFailure(
  deps: JobDeps,
  policy: RetryPolicy,
  token: string,
  error: unknown,
  attempt: { workerId: string; startedAt: Date },
  context: JobContext,
): Promise<boolean> {
  const transient = policy.isTransient(error);
  if (transient && !context.isLastAttempt) {
    await recordRetry(pooledSql(deps.db), token, error as Error, attempt, 'retrying').catch(() => undefined);
    return false;
  }
  const code = error instanceof TransientEventError && error.stage === 'fetch' ? 'TRANSPORT_ERROR' : 'UNKNOWN_ERROR';
  if (transient) deps.logger.error({ token, err: (error as Error).message }, 'event failed after its last attempt');
  else deps.logger.error({ token, err: error }, 'event failed with an error no retry can fix');
  const final = await giveUp(deps, token, { code, lastError: describeFailure(error) }, attempt);
  await sendAfterRun(deps, final, token, Promise.resolve());
  return true;
}

/**
 * Events of one account run in order, in runs of up to RUN_MAX in one transaction. After its own event's run,
 * this worker goes on with the account's next waiting events itself (a burst of assignments to one company
 * would otherwise pay a queue round trip per event), up to DRAIN_MAX events or DRAIN_MS, then wakes the next
 * one's job. A run's follow-ups — result POSTs and product calls — are sent while the next run commits (calls
 * stay in order: a run's are sent once the previous run's are). The jobs of events run here find them
 * finished and end at once.
 */
async function goThroughAccount(deps: JobDeps, first: Run, token: string, workerId: string): Promise<void> {
  const { producer, logger } = deps;
  let run = first;
  let inFlight = sendAfterRun(deps, run, token, Promise.resolve());
  let drained = run.finished.length;
  let last = token;
  const until = Date.now() + DRAIN_MS;
  try {
    while (drained < DRAIN_MAX && Date.now() < until) {
      const next = run.nextOfAccount;
      if (!next) return;
      try {
        run = await runEvent(deps, next, { workerId, max: Math.min(RUN_MAX, DRAIN_MAX - drained) });
      } catch {
        break; // its own job retries it with backoff
      }
      // Finished elsewhere: another worker is going through this account; waiting: its own job looks again.
      if (run.own.kind !== 'finished') return;
      inFlight = sendAfterRun(deps, run, next, inFlight);
      drained += run.finished.length;
      last = run.finished.at(-1)?.token ?? next;
    }
    try {
      const next =
        run.nextOfAccount !== undefined ? run.nextOfAccount : await nextEventOfAccount(pooledSql(deps.db), last);
      if (next) await producer.promoteEvent(next);
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, token: last },
        'could not wake the next event of the account; its fallback delay will',
      );
    }
  } finally {
    await inFlight;
  }
}

/**
 * After a run commits: the jobs of the events it finished besides `own` are dropped (unless a worker holds
 * them), and its follow-ups start after `previous`'s product calls (never rejects).
 */
function sendAfterRun(deps: JobDeps, run: Run, own: string, previous: Promise<void>): Promise<void> {
  if (run.finished.length > 1 && deps.metrics) {
    deps.metrics.groupCommitEvents.observe(run.finished.length);
    for (const event of run.finished) deps.metrics.groupedEvents.inc({ type: event.type ?? 'unknown' });
  }
  const others = run.finished.filter((event) => event.token !== own);
  const dropped = Promise.all(others.map(({ token }) => deps.producer.removeEventJob(token).catch(() => undefined)));
  return dropped
    .then(() => sendFollowUps(deps, run, previous))
    .catch((error: unknown) =>
      deps.logger.warn({ err: (error as Error).message }, "a run's follow-ups failed; the sweeper has them"),
    )
    .then(() => {
      for (const event of run.finished)
        countSettled(deps, event.type, event.result.errorCode ?? 'SUCCESS', event.startedAt);
    });
}
