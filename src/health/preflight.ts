/**
 * The managed-services preflight, kept current while the process runs: can the app role use the service's
 * tables (src/db/preflight.ts), and is each Redis connection on a server the queues can work on
 * (src/queue/topology.ts)? Run at start, every `everyMs` (a minute) and whenever a Redis connection becomes
 * ready again (a reconnect, a Sentinel failover), so a problem that appears later — the eviction policy
 * changed, a failover to a primary set up differently, grants revoked — is seen, and one that is fixed clears
 * without a restart.
 *
 * A problem does not stop the process: it is logged with what to do, shown on /status and the probes (see
 * probes.ts for which of them it makes unready), and the workers take no jobs until it is fixed.
 * PostgreSQL or Redis not answering is not a problem here (the health checks report outages): the last
 * answer of a check stands until the next one.
 */
import type { RedisTopology } from '../config/redis';
import { DatabasePreflightError, preflightDatabase } from '../db/preflight';
import type { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { RedisConnection } from '../queue/connection';
import { redisErrorProblem, redisTopologyProblem } from '../queue/topology';

/** How often the preflight runs again while the process lives. */
export const PREFLIGHT_EVERY_MS = 60_000;

/** One problem, in the catalogue's words. */
export interface PreflightProblem {
  readonly dependency: 'PostgreSQL' | 'Redis';
  readonly code: string;
  readonly message: string;
  readonly action: string;
}

export interface PreflightReport {
  /** When every check last finished a run (null before the first). */
  readonly checkedAt: string | null;
  /** How long that run took. */
  readonly durationMs: number;
  readonly problems: readonly PreflightProblem[];
}

export interface PreflightOptions {
  readonly databaseUrl: string;
  readonly redis: ReadonlyArray<RedisConnection>;
  readonly redisTopology: RedisTopology;
  readonly logger: Logger;
  readonly everyMs?: number;
}

/** A check's verdict: a problem, none, or `unknown` (the dependency did not answer; the last verdict stands). */
type Verdict = AppError | null | 'unknown';

const problemOf = (dependency: PreflightProblem['dependency'], error: AppError): PreflightProblem => ({
  dependency,
  code: error.code,
  message: error.message,
  action: error.action,
});

async function databaseVerdict(databaseUrl: string): Promise<Verdict> {
  try {
    return (await preflightDatabase(databaseUrl)) === 'ok' ? null : 'unknown';
  } catch (error) {
    return error instanceof DatabasePreflightError ? error.problem : 'unknown';
  }
}

async function redisVerdict(connection: RedisConnection, topology: RedisTopology): Promise<Verdict> {
  if (connection.status !== 'ready') return 'unknown';
  return redisTopologyProblem(connection, topology).catch(() => 'unknown' as const);
}

/** The preflight of one process; `start()` runs it and keeps it running. */
export class Preflight {
  /** The standing problem of each source: 'postgres', 'redis:0', 'redis:1' … */
  private readonly standing = new Map<string, PreflightProblem | null>();
  private readonly listeners: Array<(report: PreflightReport) => void> = [];
  private checkedAt: string | null = null;
  private durationMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PreflightReport> | null = null;
  private lastLogged = new Set<string>();

  constructor(private readonly options: PreflightOptions) {}

  /** Runs every check now, then every `everyMs` and on each Redis reconnect; resolves after the first run. */
  start(): Promise<PreflightReport> {
    this.options.redis.forEach((connection, index) => {
      connection.on('ready', () => void this.checkRedis(index));
      connection.on('error', (error: Error) => {
        const problem = redisErrorProblem(error);
        if (problem) this.settle(`redis:${index}`, problem, 'Redis');
      });
    });
    this.timer = setInterval(() => void this.run(), this.options.everyMs ?? PREFLIGHT_EVERY_MS);
    this.timer.unref();
    return this.run();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Called with the new report whenever the set of problems changes. */
  onChange(listener: (report: PreflightReport) => void): void {
    this.listeners.push(listener);
  }

  report(): PreflightReport {
    const seen = new Set<string>();
    const problems: PreflightProblem[] = [];
    for (const problem of this.standing.values()) {
      // Several connections to one Redis find the same problem: list it once.
      if (!problem || seen.has(problem.message)) continue;
      seen.add(problem.message);
      problems.push(problem);
    }
    return { checkedAt: this.checkedAt, durationMs: this.durationMs, problems };
  }

  /** Every check once (a run already under way is joined, not doubled). */
  run(): Promise<PreflightReport> {
    this.running ??= this.runAll().finally(() => (this.running = null));
    return this.running;
  }

  private async runAll(): Promise<PreflightReport> {
    const started = Date.now();
    await Promise.all([
      databaseVerdict(this.options.databaseUrl).then((verdict) => {
        if (verdict === 'unknown' && this.checkedAt === null)
          this.options.logger.warn(
            'PostgreSQL is not reachable at start-up; requests needing it answer 503 until it is',
          );
        this.settle('postgres', verdict, 'PostgreSQL');
      }),
      ...this.options.redis.map((_, index) => this.checkRedis(index)),
    ]);
    this.checkedAt = new Date().toISOString();
    this.durationMs = Date.now() - started;
    return this.report();
  }

  private async checkRedis(index: number): Promise<void> {
    const verdict = await redisVerdict(this.options.redis[index]!, this.options.redisTopology);
    this.settle(`redis:${index}`, verdict, 'Redis');
  }

  private settle(source: string, verdict: Verdict, dependency: PreflightProblem['dependency']): void {
    if (verdict === 'unknown') return;
    this.standing.set(source, verdict && problemOf(dependency, verdict));
    this.announce();
  }

  /** Logs problems as they appear and when all are gone, and tells the listeners. */
  private announce(): void {
    const report = this.report();
    const now = new Set(report.problems.map((problem) => problem.message));
    if (now.size === this.lastLogged.size && [...now].every((message) => this.lastLogged.has(message))) return;
    for (const problem of report.problems) {
      if (this.lastLogged.has(problem.message)) continue;
      this.options.logger.error(
        { code: problem.code, dependency: problem.dependency, action: problem.action },
        `${problem.message} ${problem.action}`,
      );
    }
    if (now.size === 0) this.options.logger.info('the PostgreSQL and Redis set-up problems are fixed');
    this.lastLogged = now;
    for (const listener of this.listeners) listener(report);
  }
}
