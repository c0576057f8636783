/** The job kinds a worker process runs, wired onto the worker loop. */
import { startHeartbeat } from '../fleet/heartbeat';
import type { RedisConnection } from '../queue/connection';
import type { RetryPolicies } from '../queue/policy';
import { startWorkerLoop } from '../queue/worker-loop';
import type { JobDeps } from './deps';
import { eventJob } from './event';
import { hookJob } from './hook';
import { reportJob } from './report';
import { resultJob } from './result';

export type { JobDeps };

export interface JobWorkerOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly workerId: string;
  /** A worker's job lock; the job of a killed worker is taken over after about this long. */
  readonly lockMs: number;
  readonly policies: RetryPolicies;
  /** How often this process writes its heartbeat (src/fleet); default 10 s. */
  readonly heartbeatMs?: number;
}

/**
 * Consumes the events, results, hooks and reports queues, announcing the process in `worker_heartbeats`.
 * `close()` lets in-flight jobs finish, then marks the process stopped.
 */
export function startJobWorkers(deps: JobDeps, options: JobWorkerOptions) {
  const definitions = [
    eventJob(deps, options.policies),
    resultJob(deps, options.policies),
    hookJob(deps, options.policies),
    reportJob(deps, options.policies),
  ];
  const loop = startWorkerLoop(definitions, { ...options, logger: deps.logger });
  const heartbeat = startHeartbeat(deps.db, { workerId: options.workerId, activity: loop.queueActivity }, deps.logger, {
    everyMs: options.heartbeatMs,
  });
  return {
    ...loop,
    heartbeat,
    close: async () => {
      await loop.close();
      await heartbeat.stop();
    },
  };
}
