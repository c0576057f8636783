/**
 * The events queue: a job carries an event token; running it runs the event (src/inbox/run.ts), then its
 * follow-ups, then drains the account's waiting events. Business outcomes are final at once; faults are
 * retried (retry-policy.ts) and the last attempt reports TRANSPORT_ERROR / UNKNOWN_ERROR. Waiting (per-account
 * order, PENDING) delays the job without spending an attempt.
 */
import { z } from 'zod';
import { describeFailure, EventNotFoundError, TransientEventError } from '../errors/internal';
import { canGroup, groupCandidate, runAccountGroup, type GroupRun } from '../inbox/group';
import { giveUp, runEvent, type RunResult } from '../inbox/run';
import { markWaiting, nextEventOfAccount, recordRetry } from '../inbox/transitions';
import { QUEUES } from '../queue/names';
import type { RetryPolicies, RetryPolicy } from '../queue/policy';
import type { TokenJob } from '../queue/producer';
import type { JobContext, JobDefinition, JobOutcome } from '../queue/worker-loop';
import type { JobDeps } from './deps';
import { countSettled, followUps, groupFollowUps } from './follow-ups';

export const eventJobData = z.strictObject({ token: z.string().min(1).max(512) }) satisfies z.ZodType<TokenJob>;

/** Draining one account goes on for at most this many events or this long, then hands over to the queue. */
const DRAIN_MAX = 100;
const DRAIN_MS = 5_000;
/** The most events one group commit decides (the account lock is held that long; notices wait for it). */
const GROUP_MAX = 50;

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
  if (canGroup(deps) && (await runAsGroup(deps, token, context.workerId))) return;
  const attempt = { workerId: context.workerId, attempt: context.attempt, startedAt: new Date() };
  let outcome: RunResult;
  try {
    outcome = await runEvent(deps, token, { workerId: context.workerId, synchronous: false });
  } catch (error) {
    if (error instanceof EventNotFoundError) throw error; // no event to settle: the job fails for good
    // PostgreSQL away: nothing can be recorded now, and the event has not failed; the worker loop runs the job
    // again once the database may be back, without spending an attempt.
    if (policy.isOutage(error)) throw error;
    const final = await settleFailure(deps, policy, token, error, attempt, context);
    if (!final) throw error; // BullMQ retries it with the events backoff
    return;
  }
  if (outcome.kind === 'deferred') {
    if (outcome.reason === 'pending')
      await recordRetry(
        deps.prisma,
        token,
        new Error('waiting for the account to be provisioned'),
        attempt,
        'deferred',
      );
    else if (outcome.reason === 'product')
      await recordRetry(deps.prisma, token, new Error("waiting for the product's decision"), attempt, 'deferred');
    else await markWaiting(deps.prisma, token);
    return { retryInMs: outcome.retryInMs };
  }
  if (outcome.alreadyFinished) return; // finished elsewhere (drained, answered synchronously, cancelled)
  await followUps(deps, token, outcome);
  countSettled(deps, outcome.type ?? null, outcome.result.errorCode ?? 'SUCCESS', attempt.startedAt);
  await drainAccount(deps, token, outcome, context.workerId);
}

/**
 * The job's event decided in a group commit with its account's other waiting events (src/inbox/group.ts),
 * when its document is stored and its type is one groups take; then the account is drained. False when
 * the group did not take it (another type, a document still to fetch, an earlier event a group cannot
 * take…): the one-by-one run decides it, and waits when it must. True also when the event is already
 * finished (drained by another worker): nothing is left to do.
 */
async function runAsGroup(deps: JobDeps, token: string, workerId: string): Promise<boolean> {
  const event = await groupCandidate(deps.prisma, token).catch(() => undefined);
  if (event === undefined) return false;
  if (event === 'finished') return true;
  const committed = await drainGroup(deps, event.accountId, GROUP_MAX, workerId, Promise.resolve());
  if (!committed) return false;
  const { group, followUps: sending } = committed;
  if (!group.finished.some((finished) => finished.token === token)) {
    await sending;
    return false;
  }
  await drainAccount(
    deps,
    token,
    { nextOfAccount: group.nextOfAccount, accountId: event.accountId },
    workerId,
    sending,
  );
  return true;
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
    await recordRetry(deps.prisma, token, error as Error, attempt, 'retrying').catch(() => undefined);
    return false;
  }
  const code = error instanceof TransientEventError && error.stage === 'fetch' ? 'TRANSPORT_ERROR' : 'UNKNOWN_ERROR';
  if (transient) deps.logger.error({ token, err: (error as Error).message }, 'event failed after its last attempt');
  else deps.logger.error({ token, err: error }, 'event failed with an error no retry can fix');
  const final = await giveUp(deps, token, { code, lastError: describeFailure(error) }, attempt);
  if (final.kind === 'finished') await followUps(deps, token, final);
  countSettled(deps, null, code, attempt.startedAt);
  return true;
}

/**
 * Events of one account run one at a time, in order. When one finishes, this worker goes on with the
 * account's next waiting events itself (a burst of assignments to one company would otherwise pay a
 * queue round trip per event), up to DRAIN_MAX events or DRAIN_MS; then it wakes the next one's job.
 * Where it can, it decides them in groups of GROUP_MAX, each group in one transaction (group commit,
 * src/inbox/group.ts), and the next group commits while the previous one's result POSTs and product
 * calls are being sent (calls stay in order: a group's are sent once the previous group's are). What a
 * group cannot take runs one by one. The jobs of events drained here find them finished and end at once.
 */
async function drainAccount(
  deps: JobDeps,
  token: string,
  finished: { nextOfAccount?: string | null; accountId?: string | null },
  workerId: string,
  /** Follow-ups of a group the caller committed, still being sent. */
  sending: Promise<void> = Promise.resolve(),
): Promise<void> {
  const { prisma, producer, logger } = deps;
  let inFlight = sending;
  let current = token;
  // The next event as the finishing statement saw it under the account lock (saves a query per event).
  let upcoming = finished.nextOfAccount;
  const until = Date.now() + DRAIN_MS;
  let drained = 0;
  // The account groups may take (none when this process does not group, or the account is not known).
  const groupAccount = canGroup(deps) ? (finished.accountId ?? null) : null;
  let groupFailed = false;
  let grouping = groupAccount !== null;
  try {
    while (drained < DRAIN_MAX && Date.now() < until) {
      if (upcoming === null) return;
      if (grouping && groupAccount !== null) {
        const max = Math.min(GROUP_MAX, DRAIN_MAX - drained);
        const committed = await drainGroup(deps, groupAccount, max, workerId, inFlight);
        if (committed && committed.group.finished.length > 0) {
          inFlight = committed.followUps;
          const { group } = committed;
          drained += group.finished.length;
          current = group.finished[group.finished.length - 1]!.token;
          upcoming = group.nextOfAccount;
          continue;
        }
        // The oldest waiting event is not one a group takes: one by one for it. A group that failed (rolled
        // back) is not tried again in this drain.
        grouping = false;
        if (!committed) groupFailed = true;
        upcoming = committed ? committed.group.nextOfAccount : undefined;
        continue;
      }
      // One by one: what groups sent goes first (product calls in order).
      await inFlight;
      // Even one another worker holds: the account lock and the final-state check keep it applied once.
      const next = upcoming !== undefined ? upcoming : await nextEventOfAccount(prisma, current).catch(() => null);
      upcoming = undefined;
      if (!next) return;
      const startedAt = new Date();
      let outcome: RunResult;
      try {
        outcome = await runEvent(deps, next, { workerId, synchronous: false });
      } catch {
        break; // its own job retries it with backoff
      }
      if (outcome.kind !== 'finished') break;
      // Finished elsewhere: another worker is going through this account (its job got there first); leave it to it.
      if (outcome.alreadyFinished) return;
      // Its own job has nothing left to do: drop it unless a worker already holds it.
      await producer.removeEventJob(next).catch(() => undefined);
      await followUps(deps, next, outcome);
      countSettled(deps, outcome.type ?? null, outcome.result.errorCode ?? 'SUCCESS', startedAt);
      drained += 1;
      current = next;
      upcoming = outcome.nextOfAccount;
      // A one-by-one run got past what stopped the group (a fetch, a notice…): groups may take over again.
      grouping = groupAccount !== null && !groupFailed;
    }
    try {
      const next = upcoming !== undefined ? upcoming : await nextEventOfAccount(prisma, current);
      if (next) await producer.promoteEvent(next);
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, token: current },
        'could not wake the next event of the account; its fallback delay will',
      );
    }
  } finally {
    await inFlight;
  }
}

/**
 * One group of the account's waiting events, committed together; their own jobs dropped. Its follow-ups —
 * result POSTs (concurrently) and product calls (in order, after `previous`, the previous group's) — are
 * started, not awaited: `followUps` settles when they are done (it never rejects). Null when the group
 * failed (rolled back: nothing of it happened; the caller goes on one by one).
 */
async function drainGroup(
  deps: JobDeps,
  accountId: string,
  max: number,
  workerId: string,
  previous: Promise<void>,
): Promise<{ group: GroupRun; followUps: Promise<void> } | null> {
  let group: GroupRun;
  try {
    group = await runAccountGroup(deps, accountId, { workerId, max });
  } catch (error) {
    deps.logger.info(
      { accountId, err: (error as Error).message },
      'a group of the account could not be committed; going on one by one',
    );
    return null;
  }
  if (group.finished.length === 0) return { group, followUps: previous };
  deps.metrics?.groupCommitEvents.observe(group.finished.length);
  await Promise.all(group.finished.map(({ token }) => deps.producer.removeEventJob(token).catch(() => undefined)));
  const followUps = groupFollowUps(deps, group.finished, previous)
    .catch((error: unknown) =>
      deps.logger.warn(
        { accountId, err: (error as Error).message },
        "a group's follow-ups failed; the sweeper has them",
      ),
    )
    .then(() => {
      for (const { outcome, startedAt } of group.finished)
        countSettled(deps, outcome.type ?? null, outcome.result.errorCode ?? 'SUCCESS', startedAt);
    });
  return { group, followUps };
}
