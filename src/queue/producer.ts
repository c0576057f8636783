import { Queue, type JobsOptions } from 'bullmq';
import type { RedisConnection } from './connection';
import { MicroBatch } from '../batching/micro-batch';
import { jobIdForHookCall, jobIdForReport, jobIdForToken, QUEUES, type QueueName } from './names';
import type { RetryPolicies } from './policy';

/** What every job carries: a key into PostgreSQL, never the event itself. */
export interface TokenJob {
  readonly token: string;
}
export interface HookJob {
  readonly hookCallId: string;
}
export interface ReportJob {
  readonly reportId: string;
}

/**
 * Completed jobs are trimmed: deduplication lives in PostgreSQL (unique token,
 * apply + result in one transaction), not in job retention. Failed jobs stay a
 * week for inspection (bull-board).
 */
const RETENTION: JobsOptions = { removeOnComplete: { age: 600, count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } };

export interface QueueSettings {
  readonly prefix: string;
  /** Attempts and backoff of each queue's jobs (src/jobs/retry-policy.ts); the workers use the same. */
  readonly policies: RetryPolicies;
}

const LIVE_STATES = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'];

/** The producer side of the queues, on a fail-fast connection. */
export class Producer {
  readonly events: Queue<TokenJob>;
  readonly results: Queue<TokenJob>;
  readonly hooks: Queue<HookJob>;
  readonly reports: Queue<ReportJob>;

  /** Event jobs added by concurrent callers in the same turn of the event loop go out in one `addBulk`. */
  private readonly eventBatch = new MicroBatch<string, void>(async (tokens) => {
    await this.events.addBulk(
      tokens.map((token) => ({ name: 'event', data: { token }, opts: this.eventJobOptions(token) })),
    );
    return tokens.map(() => undefined);
  });

  constructor(
    connection: RedisConnection,
    private readonly settings: QueueSettings,
  ) {
    this.events = new Queue<TokenJob>(QUEUES.events, { connection, prefix: settings.prefix });
    this.results = new Queue<TokenJob>(QUEUES.results, { connection, prefix: settings.prefix });
    this.hooks = new Queue<HookJob>(QUEUES.hooks, { connection, prefix: settings.prefix });
    this.reports = new Queue<ReportJob>(QUEUES.reports, { connection, prefix: settings.prefix });
    for (const queue of [this.events, this.results, this.hooks, this.reports]) queue.on('error', () => undefined); // surfaced by callers
  }

  /** Retention, attempts and backoff of a job of `queue`; the worker loop implements the backoff of that name. */
  private jobOptions(queue: QueueName, jobId: string, delayMs?: number, attempts?: number): JobsOptions {
    return {
      ...RETENTION,
      jobId,
      attempts: attempts ?? this.settings.policies[queue].attempts,
      backoff: { type: queue },
      delay: delayMs,
    };
  }

  private eventJobOptions(token: string, delayMs?: number): JobsOptions {
    return this.jobOptions(QUEUES.events, jobIdForToken(token), delayMs);
  }

  /**
   * Adds the event's job; a job with the same id already waiting makes this a no-op.
   * Jobs without a delay are batched with those of concurrent callers (one round trip to Redis).
   */
  async enqueueEvent(token: string, options: { delayMs?: number } = {}): Promise<void> {
    if (!options.delayMs) return this.eventBatch.submit(token);
    await this.events.add('event', { token }, this.eventJobOptions(token, options.delayMs));
  }

  /**
   * Adds the result's job. `attempts`: what is left of the policy's attempts when some were made already (the
   * first POST is made inline, right after commit: its job gets the rest).
   */
  async enqueueResult(token: string, options: { delayMs?: number; attempts?: number } = {}): Promise<void> {
    await this.results.add(
      'result',
      { token },
      this.jobOptions(QUEUES.results, jobIdForToken(token), options.delayMs, options.attempts),
    );
  }

  async enqueueHook(hookCallId: bigint): Promise<void> {
    await this.hooks.add(
      'hook',
      { hookCallId: hookCallId.toString() },
      this.jobOptions(QUEUES.hooks, jobIdForHookCall(hookCallId)),
    );
  }

  async enqueueReport(reportId: bigint): Promise<void> {
    await this.reports.add(
      'report',
      { reportId: reportId.toString() },
      this.jobOptions(QUEUES.reports, jobIdForReport(reportId)),
    );
  }

  /** Runs a report's job now if it waits (the report before it was settled, or an operator re-sends it). */
  async promoteReport(reportId: bigint): Promise<void> {
    const job = await this.reports.getJob(jobIdForReport(reportId));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined); // it may have just started
  }

  /** A fresh event job starting after `delayMs` (a finished job of the same id is removed first). Bulk retries pace with it. */
  async enqueueEventDelayed(token: string, delayMs: number): Promise<void> {
    const jobId = jobIdForToken(token);
    const state = await this.events.getJobState(jobId);
    if (LIVE_STATES.includes(state)) return;
    if (state === 'completed' || state === 'failed') await this.events.remove(jobId);
    await this.enqueueEvent(token, { delayMs });
  }

  /** Drops the event's job unless a worker holds it (a held job finds the event cancelled). */
  async removeEventJob(token: string): Promise<void> {
    const jobId = jobIdForToken(token);
    if ((await this.events.getJobState(jobId)) !== 'active') await this.events.remove(jobId);
  }

  /** Job counts by state of one of the queues (metrics). */
  async countsOf(queueName: string): Promise<Record<string, number>> {
    const queue = [this.events, this.results, this.hooks, this.reports].find((q) => q.name === queueName);
    return queue ? queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized') : {};
  }

  /** Runs a delayed event job now (the event it waited for has finished). */
  async promoteEvent(token: string): Promise<void> {
    const job = await this.events.getJob(jobIdForToken(token));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined); // it may have just started
  }

  /** Runs a hook call's job now if it waits for its backoff (an operator re-sends the call). */
  async promoteHook(hookCallId: bigint): Promise<void> {
    const job = await this.hooks.getJob(jobIdForHookCall(hookCallId));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined); // it may have just started
  }

  /**
   * Makes sure a live job exists for the key: nothing when one is waiting,
   * delayed or active; otherwise (none, or a finished one still retained) a new
   * one is added. Returns whether it added one. Used by the sweeper and by retries.
   */
  async ensureEventJob(token: string): Promise<boolean> {
    return this.ensure(this.events, jobIdForToken(token), () => this.enqueueEvent(token));
  }

  async ensureResultJob(token: string): Promise<boolean> {
    return this.ensure(this.results, jobIdForToken(token), () => this.enqueueResult(token));
  }

  async ensureHookJob(hookCallId: bigint): Promise<boolean> {
    return this.ensure(this.hooks, jobIdForHookCall(hookCallId), () => this.enqueueHook(hookCallId));
  }

  async ensureReportJob(reportId: bigint): Promise<boolean> {
    return this.ensure(this.reports, jobIdForReport(reportId), () => this.enqueueReport(reportId));
  }

  private async ensure(queue: Queue, jobId: string, add: () => Promise<void>): Promise<boolean> {
    const state = await queue.getJobState(jobId);
    if (LIVE_STATES.includes(state)) return false;
    if (state === 'completed' || state === 'failed') await queue.remove(jobId);
    await add();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.results.close(), this.hooks.close(), this.reports.close()]);
  }
}
