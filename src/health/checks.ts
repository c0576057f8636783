import type { RedisConnection } from '../queue/connection';
import { Prisma } from '../db/client';
import { describeDatabaseError } from '../db/reason';
import { pooledSql, type SqlSource } from '../db/sql';
import type { Preflight, PreflightProblem } from './preflight';

export interface CheckResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** The preflight as a check: `problems` in the catalogue's words (admins only; others see their codes). */
export type PreflightCheck = CheckResult & { checkedAt: string | null; problems: readonly PreflightProblem[] };

export interface HealthReport {
  readonly ok: boolean;
  readonly checks: {
    postgres: CheckResult;
    redis: CheckResult;
    migrations: CheckResult & { pending?: string[] };
    preflight: PreflightCheck;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(run: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await run();
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    // PostgreSQL's own reason for a refused connection (TLS, pg_hba.conf, password), not Prisma's summary.
    return { ok: false, latencyMs: Date.now() - started, error: describeDatabaseError(error) };
  }
}

/** Names of the migrations recorded as applied (and not rolled back) in `_prisma_migrations`. */
export async function appliedMigrationNames(db: SqlSource): Promise<string[]> {
  const rows = await pooledSql(db)<{ migration_name: string }>(Prisma.sql`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
  return rows.map((row) => row.migration_name);
}

/** The preflight's standing answer (it runs on its own schedule: reading it costs nothing). */
function preflightCheck(preflight: Pick<Preflight, 'report'> | undefined): PreflightCheck {
  if (!preflight) return { ok: true, latencyMs: 0, checkedAt: null, problems: [] };
  const { checkedAt, durationMs, problems } = preflight.report();
  const error = problems.map((problem) => `${problem.message} ${problem.action}`).join(' ');
  return { ok: problems.length === 0, latencyMs: durationMs, checkedAt, problems, ...(error ? { error } : {}) };
}

/**
 * Asks PostgreSQL and Redis whether they answer and whether every migration in
 * `expectedMigrations` has been applied, each bounded by `timeoutMs`, and adds the preflight's
 * standing problems (set-up the service cannot work with; none when no preflight is given).
 */
export async function checkHealth(
  deps: {
    /** The worker's database, or the API's Prisma client (its pool). */
    db: SqlSource;
    redis: RedisConnection;
    expectedMigrations: readonly string[];
    preflight?: Pick<Preflight, 'report'>;
  },
  timeoutMs = 1500,
): Promise<HealthReport> {
  let pending: string[] | undefined;
  const [postgres, redis, migrations] = await Promise.all([
    timed(() => withTimeout(pooledSql(deps.db)(Prisma.sql`SELECT 1`), timeoutMs, 'PostgreSQL')),
    timed(() => withTimeout(deps.redis.ping(), timeoutMs, 'Redis')),
    timed(async () => {
      const applied = new Set(await withTimeout(appliedMigrationNames(deps.db), timeoutMs, 'PostgreSQL'));
      pending = deps.expectedMigrations.filter((name) => !applied.has(name));
      if (pending.length > 0) throw new Error(`${pending.length} migration(s) not applied; run npm run db:migrate`);
    }),
  ]);
  const migrationsResult = pending && pending.length > 0 ? { ...migrations, pending } : migrations;
  const preflight = preflightCheck(deps.preflight);
  return {
    ok: postgres.ok && redis.ok && migrations.ok && preflight.ok,
    checks: { postgres, redis, migrations: migrationsResult, preflight },
  };
}
