/**
 * Liveness and readiness, as an orchestrator (Kubernetes, a load balancer, Docker's HEALTHCHECK) asks them.
 *
 * - Liveness: restarting this process would help. The API is live while it answers at all (a blocked event
 *   loop makes the probe time out). A worker is also not live when it is stalled: jobs wait in its queues
 *   and it has neither started nor finished one for `stallAfterMs`. An idle worker with nothing to do is live,
 *   and so is one that cannot reach Redis (a restart would not bring Redis back).
 * - Readiness: this process can do its work now. The API needs PostgreSQL and every migration applied; it
 *   does not need Redis, because a notification is committed to PostgreSQL first and the workers' sweeper
 *   enqueues it once Redis is back. A worker needs PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import { AppError, errorBody } from '../errors/app-error';
import type { ActivitySnapshot } from '../queue/activity';
import { checkHealth, type HealthReport } from './checks';
import { failing, publicChecks } from './status';

type HealthDeps = Parameters<typeof checkHealth>[0];

export interface Readiness {
  readonly ready: boolean;
  /** The failing checks that make it unready, by human name. */
  readonly blocking: string[];
  readonly report: HealthReport;
}

/** API readiness: PostgreSQL answers and the schema is current; Redis is reported but not required. */
export async function apiReadiness(deps: HealthDeps): Promise<Readiness> {
  const report = await checkHealth(deps);
  const blocking = failing(report, ['postgres', 'migrations']);
  return { ready: blocking.length === 0, blocking, report };
}

/** Worker readiness: it can take jobs (Redis) and apply them (PostgreSQL, current schema). */
export async function workerReadiness(deps: HealthDeps): Promise<Readiness> {
  const report = await checkHealth(deps);
  const blocking = failing(report, ['postgres', 'redis', 'migrations']);
  return { ready: blocking.length === 0, blocking, report };
}

export interface WorkerLiveness {
  readonly live: boolean;
  readonly running: number;
  readonly idleForMs: number;
  /** Jobs ready to run in the worker's queues; null when Redis could not tell. */
  readonly waiting: number | null;
}

/**
 * A worker is stalled when jobs are ready to run and it has not started or finished any for `stallAfterMs`
 * (a hung handler holding every slot, or a consumer that stopped fetching).
 */
export async function workerLiveness(
  activity: ActivitySnapshot,
  waitingJobs: () => Promise<number>,
  stallAfterMs: number,
): Promise<WorkerLiveness> {
  if (activity.idleForMs < stallAfterMs) return { live: true, ...activity, waiting: null };
  const waiting = await waitingJobs().catch(() => null);
  return { live: waiting === null || waiting === 0, ...activity, waiting };
}

/** An HTTP answer of a probe, for servers that are not Express (a worker's metrics port). */
export interface ProbeAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * GET /livez and GET /readyz of a worker process, served on its metrics port. Bodies are the catalogue's
 * error shape when failing, with the public view of the checks (no error text).
 */
export function workerProbes(deps: {
  health: HealthDeps;
  activity: () => ActivitySnapshot;
  waitingJobs: () => Promise<number>;
  stallAfterMs: number;
}): Record<'/livez' | '/readyz', () => Promise<ProbeAnswer>> {
  return {
    '/livez': async () => {
      const liveness = await workerLiveness(deps.activity(), deps.waitingJobs, deps.stallAfterMs);
      if (liveness.live) return { status: 200, body: { status: 'ok', running: liveness.running } };
      const error = new AppError('WORKER_STALLED', {
        seconds: Math.round(liveness.idleForMs / 1000),
        waiting: liveness.waiting ?? 0,
      });
      return { status: error.status, body: errorBody(error, randomUUID()) };
    },
    '/readyz': async () => {
      const readiness = await workerReadiness(deps.health);
      const checks = publicChecks(readiness.report);
      if (readiness.ready) return { status: 200, body: { status: 'ready', checks } };
      const error = new AppError(
        'NOT_READY',
        { dependency: readiness.blocking.join(' and ') },
        { details: { checks } },
      );
      return { status: error.status, body: errorBody(error, randomUUID()) };
    },
  };
}
