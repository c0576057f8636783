/**
 * The BullMQ side of a worker process: one BullMQ Worker per job kind, each job carrying only a key into
 * PostgreSQL. A kind (src/jobs) says which queue it consumes, how its data looks (validated when the job
 * is taken), how many run at once, how it is retried, and what running it does. This loop only maps
 * the outcome onto BullMQ: a wait without spending an attempt, a retry with the kind's backoff, or a
 * failure for good.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './connection';
import type { ZodType } from 'zod';
import type { Logger } from '../logging/logger';
import { ThrottledLog } from '../logging/throttle';
import { ActivityTracker } from './activity';
import type { QueueName } from './names';
import type { RetryPolicy } from './policy';

export interface JobContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** No further attempt follows if this one fails: the kind settles the work itself. */
  readonly isLastAttempt: boolean;
  readonly workerId: string;
}

/** `retryInMs`: run the job again after this long, without spending an attempt (it waits for something). */
export type JobOutcome = void | { readonly retryInMs: number };

export interface JobDefinition<T> {
  readonly queue: QueueName;
  readonly data: ZodType<T>;
  readonly concurrency: number;
  readonly policy: RetryPolicy;
  run(data: T, context: JobContext): Promise<JobOutcome>;
}

export interface WorkerLoopOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly workerId: string;
  /** A worker's job lock; the job of a killed worker is taken over after about this long. */
  readonly lockMs: number;
  readonly logger: Logger;
}

/** What one queue's consumer in this process is doing: its concurrency, jobs in hand, jobs ended since start. */
export interface QueueActivity {
  concurrency: number;
  running: number;
  done: number;
}

export interface WorkerLoop {
  readonly workers: Worker[];
  /** Per queue consumed; the heartbeat (src/fleet) publishes it. */
  queueActivity(): Record<string, QueueActivity>;
  /** Jobs started and finished by every Worker of this loop (for the liveness probe). */
  readonly activity: ActivityTracker;
  close(): Promise<void>;
}

/** Starts one BullMQ Worker per definition. `close()` lets in-flight jobs finish. */
export function startWorkerLoop(
  // Definitions of different data types share the loop; each one's data is checked against its own schema.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definitions: ReadonlyArray<JobDefinition<any>>,
  options: WorkerLoopOptions,
): WorkerLoop {
  const queues: Record<string, QueueActivity> = {};
  for (const definition of definitions)
    queues[definition.queue] = { concurrency: definition.concurrency, running: 0, done: 0 };
  const activity = new ActivityTracker();
  const workers = definitions.map((definition) =>
    startWorker(definition, options, queues[definition.queue]!, activity),
  );
  return {
    workers,
    queueActivity: () => structuredClone(queues),
    activity,
    // Unfinished work of a closed worker is picked up by another one (stalled-job recovery).
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

function startWorker<T>(
  definition: JobDefinition<T>,
  options: WorkerLoopOptions,
  queue: QueueActivity,
  activity: ActivityTracker,
): Worker {
  const { policy } = definition;
  const outage = new OutageBackoff();
  const processJob = async (job: Job, lockToken?: string): Promise<void> => {
    const parsed = definition.data.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(
        `job data is not a ${definition.queue} job: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    const attempt = job.attemptsMade + 1;
    const context: JobContext = {
      attempt,
      isLastAttempt: attempt >= (job.opts.attempts ?? policy.attempts),
      workerId: options.workerId,
    };
    let outcome: JobOutcome;
    try {
      outcome = await definition.run(parsed.data, context);
      outage.over();
    } catch (error) {
      if (policy.isOutage(error)) {
        await job.moveToDelayed(Date.now() + outage.nextDelayMs(), lockToken);
        throw new DelayedError();
      }
      if (policy.isTransient(error)) throw error; // BullMQ retries it after policy.delayMs
      throw new UnrecoverableError((error as Error).message);
    }
    if (outcome) {
      await job.moveToDelayed(Date.now() + outcome.retryInMs, lockToken);
      throw new DelayedError();
    }
  };
  const worker = new Worker(
    definition.queue,
    async (job: Job, lockToken?: string) => {
      queue.running += 1;
      activity.jobStarted();
      try {
        await processJob(job, lockToken);
      } finally {
        queue.running -= 1;
        queue.done += 1;
        activity.jobFinished();
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: definition.concurrency,
      // Recorded on each job as `processedBy` (shown in bull-board): which worker process ran it.
      name: options.workerId,
      settings: { backoffStrategy: (attemptsMade: number) => policy.delayMs(attemptsMade) },
      // A worker killed mid-job loses its lock; another worker takes the job over.
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  // Every worker (and each of its connections) reports the same outage: logged with backoff (src/logging/throttle.ts).
  const errorLog = new ThrottledLog(options.logger);
  worker.on('error', (error) =>
    errorLog.warn(error.message, { err: error.message, queue: definition.queue }, 'worker connection error'),
  );
  worker.on('failed', (job, error) => {
    if (error instanceof DelayedError) return;
    options.logger.warn(
      { queue: definition.queue, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.message },
      'job attempt failed',
    );
  });
  return worker;
}

/**
 * How long jobs wait while an outage lasts (RetryPolicy.isOutage): 250 ms after the first job that met it,
 * doubling with each further one up to 15 s (±25 %), back to the start once a job runs through. Per worker,
 * not per job: during an outage every job of the queue meets it, so the backlog is not re-run in a tight loop.
 */
export class OutageBackoff {
  private streak = 0;

  constructor(
    private readonly firstMs = 250,
    private readonly capMs = 15_000,
    private readonly random = Math.random,
  ) {}

  nextDelayMs(): number {
    const delay = Math.min(this.firstMs * 2 ** this.streak, this.capMs);
    this.streak = Math.min(this.streak + 1, 30);
    return Math.round(delay * (0.75 + this.random() * 0.5));
  }

  over(): void {
    this.streak = 0;
  }
}
