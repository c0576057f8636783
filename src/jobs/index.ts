/** The job kinds a worker process runs, wired onto the worker loop. */
import type { RedisConnection } from '../queue/connection';
import type { RetryPolicies } from '../queue/policy';
import { startWorkerLoop } from '../queue/worker-loop';
import type { JobDeps } from './deps';
import { eventJob } from './event';
import { hookJob } from './hook';
import { resultJob } from './result';

export type { JobDeps };

export interface JobWorkerOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly workerId: string;
  /** A worker's job lock; the job of a killed worker is taken over after about this long. */
  readonly lockMs: number;
  readonly policies: RetryPolicies;
}

/** Consumes the events, results and hooks queues. `close()` lets in-flight jobs finish. */
export function startJobWorkers(deps: JobDeps, options: JobWorkerOptions) {
  const definitions = [eventJob(deps, options.policies), resultJob(deps, options.policies), hookJob(deps, options.policies)];
  return startWorkerLoop(definitions, { ...options, logger: deps.logger });
}
