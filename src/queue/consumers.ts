/**
 * The BullMQ side of a worker process: three workers (events, results, hooks)
 * on one Redis, each job carrying only a key into PostgreSQL.
 *
 * Events: business outcomes are final at once; transient faults are retried with
 * exponential backoff and jitter up to EVENT_MAX_ATTEMPTS, then reported as
 * TRANSPORT_ERROR / UNKNOWN_ERROR. Waiting (per-account order, PENDING) moves
 * the job to delayed without spending an attempt.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import type { ProvisioningHooks } from '../hooks';
import { abandonHookCall, runHookCall } from '../hooks/run';
import { EventNotFoundError, giveUp, recordRetry, runEvent, TransientEventError, type RunResult } from '../inbox/process';
import { markWaiting, nextEventOfAccount } from '../inbox/status';
import type { Logger } from '../logging/logger';
import type { ProcessMetrics } from '../metrics/registry';
import type { MarketplaceClient } from '../marketplace/client';
import { deliverResult } from '../report/deliver';
import { QUEUES } from './names';
import { BACKOFF, type HookJob, type Producer, type TokenJob } from './producer';

export interface ConsumerDeps {
  readonly prisma: PrismaClient;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect' | 'pendingWaitMs' | 'eventMaxAttempts' | 'eventBackoffMs' | 'resultBackoffMs' | 'workerConcurrency' | 'jobLockMs'>;
  readonly logger: Logger;
  readonly producer: Producer;
  readonly hooks: ProvisioningHooks;
  readonly metrics?: ProcessMetrics;
}

const DRAIN_MAX = 100;
const DRAIN_MS = 5_000;

export interface ConsumerOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly workerId: string;
}

/** Exponential backoff with ±25 % jitter, capped. */
export function backoffDelay(attemptsMade: number, baseMs: number, capMs: number, random = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(attemptsMade - 1, 0), capMs);
  return Math.round(exponential * (0.75 + random() * 0.5));
}

export function startConsumers(deps: ConsumerDeps, options: ConsumerOptions): { workers: Worker[]; close(): Promise<void> } {
  const { config, logger, producer } = deps;
  const backoffStrategy = (attemptsMade: number, type?: string): number => {
    if (type === BACKOFF.delivery) return backoffDelay(attemptsMade, config.resultBackoffMs, 15 * 60_000);
    if (type === BACKOFF.hook) return backoffDelay(attemptsMade, 1_000, 5 * 60_000);
    return backoffDelay(attemptsMade, config.eventBackoffMs, 10 * 60_000);
  };
  const common = {
    connection: options.connection,
    prefix: options.prefix,
    // Recorded on each job as `processedBy` (shown in bull-board): which worker process ran it.
    name: options.workerId,
    settings: { backoffStrategy },
    // A worker killed mid-job loses its lock; another worker takes the job over.
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(1000, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: 3,
  };

  /**
   * After commit: the first attempt of the result POST and of each hook call
   * happen right here; only what fails becomes a job of its own, retried with
   * backoff. A crash in between loses nothing: the rows are committed and the
   * sweeper enqueues what is still owed.
   */
  const followUps = async (token: string, outcome: RunResult & { kind: 'finished' }) => {
    if (outcome.delivery) {
      try {
        const delivered = await deliverResult(deps, token, { isLastAttempt: false, owed: outcome.delivery });
        if (delivered !== 'nothing_to_do') deps.metrics?.deliveriesTotal.inc({ outcome: delivered });
      } catch (error) {
        deps.metrics?.deliveriesTotal.inc({ outcome: 'retrying' });
        await producer.enqueueResult(token, { delayMs: config.resultBackoffMs }).catch(() => undefined);
        logger.info({ token, err: (error as Error).message }, 'result POST failed; retrying with backoff');
      }
    }
    for (const call of outcome.hookCalls) {
      try {
        await runHookCall(deps, call);
      } catch (error) {
        logger.warn({ hookCallId: call.id.toString(), err: (error as Error).message }, 'provisioning hook failed; retrying with backoff');
        await producer.enqueueHook(call.id).catch(() => undefined);
      }
    }
  };

  /**
   * Events of one account run one at a time, in order. When one finishes, this
   * worker goes on with the account's next waiting events itself (a burst of
   * assignments to one company would otherwise pay a queue round trip per
   * event), up to DRAIN_MAX events or DRAIN_MS; then it wakes the next one's job.
   * The jobs of events drained here find them finished and end at once.
   */
  const drainAccount = async (token: string, knownNext: string | null | undefined) => {
    let current = token;
    // The next event as the finishing statement saw it under the account lock (saves a query per event).
    let upcoming = knownNext;
    const until = Date.now() + DRAIN_MS;
    for (let drained = 0; drained < DRAIN_MAX && Date.now() < until; drained += 1) {
      // Even one another worker holds: the account lock and the final-state check keep it applied once.
      const next = upcoming !== undefined ? upcoming : await nextEventOfAccount(deps.prisma, current).catch(() => null);
      upcoming = undefined;
      if (!next) return;
      const startedAt = new Date();
      let outcome: RunResult;
      try {
        outcome = await runEvent(deps, next, { workerId: options.workerId, synchronous: false });
      } catch {
        break; // its own job retries it with backoff
      }
      if (outcome.kind !== 'finished') break;
      // Finished elsewhere: another worker is going through this account (its job got there first); leave it to it.
      if (outcome.alreadyFinished) return;
      // Its own job has nothing left to do: drop it unless a worker already holds it.
      await producer.removeEventJob(next).catch(() => undefined);
      await followUps(next, outcome);
      settled(outcome.type ?? null, outcome.result.errorCode ?? 'SUCCESS', startedAt);
      current = next;
      upcoming = outcome.nextOfAccount;
    }
    try {
      const next = upcoming !== undefined ? upcoming : await nextEventOfAccount(deps.prisma, current);
      if (next) await producer.promoteEvent(next);
    } catch (error) {
      logger.warn({ err: (error as Error).message, token: current }, 'could not wake the next event of the account; its fallback delay will');
    }
  };

  const settled = (type: string | null, code: string, startedAt: Date) => {
    if (!deps.metrics) return;
    deps.metrics.eventsTotal.inc({ type: type ?? 'unknown', code });
    deps.metrics.eventSeconds.observe({ type: type ?? 'unknown' }, (Date.now() - startedAt.getTime()) / 1000);
    deps.metrics.lastConsumed.set(Date.now() / 1000);
  };

  const events = new Worker<TokenJob>(
    QUEUES.events,
    async (job: Job<TokenJob>, lockToken?: string) => {
      const { token } = job.data;
      const attempt = { workerId: options.workerId, attempt: job.attemptsMade + 1, startedAt: new Date() };
      const maxAttempts = job.opts.attempts ?? config.eventMaxAttempts;
      let outcome: RunResult;
      try {
        outcome = await runEvent(deps, token, { workerId: options.workerId, synchronous: false });
      } catch (error) {
        if (error instanceof EventNotFoundError) throw new UnrecoverableError(error.message);
        const transient = error instanceof TransientEventError ? error : new TransientEventError('apply', (error as Error).message, { cause: error });
        if (attempt.attempt >= maxAttempts) {
          logger.error({ token, err: transient.message }, 'event failed after its last attempt');
          const final = await giveUp(deps, token, transient, attempt);
          if (final.kind === 'finished') await followUps(token, final);
          settled(null, transient.stage === 'fetch' ? 'TRANSPORT_ERROR' : 'UNKNOWN_ERROR', attempt.startedAt);
          return;
        }
        await recordRetry(deps.prisma, token, transient, attempt, 'retrying').catch(() => undefined);
        throw transient;
      }
      if (outcome.kind === 'deferred') {
        if (outcome.reason === 'pending') await recordRetry(deps.prisma, token, new Error('waiting for the account to be provisioned'), attempt, 'deferred');
        else await markWaiting(deps.prisma, token);
        await job.moveToDelayed(Date.now() + outcome.retryInMs, lockToken);
        throw new DelayedError();
      }
      if (outcome.alreadyFinished) return; // finished elsewhere (drained, answered synchronously, cancelled)
      await followUps(token, outcome);
      settled(outcome.type ?? null, outcome.result.errorCode ?? 'SUCCESS', attempt.startedAt);
      await drainAccount(token, outcome.nextOfAccount);
    },
    { ...common, concurrency: config.workerConcurrency },
  );

  const results = new Worker<TokenJob>(
    QUEUES.results,
    async (job) => {
      // A DeliveryRetryError (network, 5xx, 429) propagates and BullMQ retries with the delivery backoff.
      let outcome;
      try {
        outcome = await deliverResult(deps, job.data.token, { isLastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
      } catch (error) {
        deps.metrics?.deliveriesTotal.inc({ outcome: 'retrying' });
        throw error;
      }
      if (outcome !== 'nothing_to_do') deps.metrics?.deliveriesTotal.inc({ outcome });
      if (outcome === 'rejected') throw new UnrecoverableError('the marketplace refused the result');
    },
    { ...common, concurrency: Math.max(2, Math.ceil(config.workerConcurrency / 2)) },
  );

  const hooks = new Worker<HookJob>(
    QUEUES.hooks,
    async (job) => {
      const id = BigInt(job.data.hookCallId);
      try {
        await runHookCall(deps, id);
      } catch (error) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await abandonHookCall(deps.prisma, id);
        throw error;
      }
    },
    { ...common, concurrency: 4 },
  );

  const workers = [events, results, hooks];
  for (const worker of workers) {
    worker.on('error', (error) => logger.warn({ err: error.message, queue: worker.name }, 'worker connection error'));
    worker.on('failed', (job, error) => {
      if (error instanceof DelayedError) return;
      logger.warn({ queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.message }, 'job attempt failed');
    });
  }
  return {
    workers,
    // close() lets in-flight jobs finish; unfinished work is picked up by another worker.
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
