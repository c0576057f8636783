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
 * - Set-up problems the preflight finds (./preflight.ts: grants, eviction policy, topology) fail readiness
 *   where they stop the process's work — the API's for PostgreSQL (it could not record notifications), a
 *   worker's for either (it takes no jobs meanwhile) — and never liveness: a restart does not change a
 *   server's set-up, and a process that keeps running keeps the problem on /status and clears it by itself
 *   once it is fixed, where a restart loop would only hide it.
 */
import { randomUUID } from 'node:crypto';
import { AppError, errorBody } from '../errors/app-error';
import type { ActivitySnapshot } from '../queue/activity';
import { checkHealth, type HealthReport } from './checks';
import { failing, misconfigured, publicChecks } from './status';

type HealthDeps = Parameters<typeof checkHealth>[0];

export interface Readiness {
  readonly ready: boolean;
  /** The failing checks that make it unready, by human name. */
  readonly blocking: string[];
  /** Set-up problems that make it unready: the dependencies and the problems' codes. */
  readonly misconfigured: ReturnType<typeof misconfigured>;
  readonly report: HealthReport;
}

/**
 * API readiness: PostgreSQL answers, the schema is current and the app role may use it; Redis (its
 * reachability and its set-up) is reported but not required.
 */
export async function apiReadiness(deps: HealthDeps): Promise<Readiness> {
  const report = await checkHealth(deps);
  const blocking = failing(report, ['postgres', 'migrations']);
  const problems = misconfigured(report, ['PostgreSQL']);
  return { ready: blocking.length === 0 && !problems, blocking, misconfigured: problems, report };
}

/** Worker readiness: it can take jobs (Redis) and apply them (PostgreSQL, current schema), both set up right. */
export async function workerReadiness(deps: HealthDeps): Promise<Readiness> {
  const report = await checkHealth(deps);
  const blocking = failing(report, ['postgres', 'redis', 'migrations']);
  const problems = misconfigured(report);
  return { ready: blocking.length === 0 && !problems, blocking, misconfigured: problems, report };
}

/**
 * The error of an unready process: NOT_READY naming what does not answer, else DEPENDENCY_MISCONFIGURED
 * naming the set-up problems; `checks` goes into its details.
 */
export function unreadyError(readiness: Readiness, checks: unknown): AppError {
  if (readiness.blocking.length > 0 || !readiness.misconfigured)
    return new AppError('NOT_READY', { dependency: readiness.blocking.join(' and ') }, { details: { checks } });
  return new AppError('DEPENDENCY_MISCONFIGURED', readiness.misconfigured, { details: { checks } });
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
  health: HealthDeps & Required<Pick<HealthDeps, 'preflight'>>;
  activity: () => ActivitySnapshot;
  waitingJobs: () => Promise<number>;
  stallAfterMs: number;
}): Record<'/livez' | '/readyz', () => Promise<ProbeAnswer>> {
  return {
    '/livez': async () => {
      // A worker holding jobs back for a set-up problem makes no progress on purpose: a restart would not help.
      if (deps.health.preflight.report().problems.length > 0)
        return { status: 200, body: { status: 'ok', running: deps.activity().running } };
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
      const error = unreadyError(readiness, checks);
      return { status: error.status, body: errorBody(error, randomUUID()) };
    },
  };
}
