import type { CheckResult, HealthReport } from './checks';
import type { PreflightProblem } from './preflight';

type Basic = Pick<CheckResult, 'ok' | 'latencyMs'>;

/**
 * What an anonymous caller of /status or /readyz may see of a health report: which check passed and how
 * long it took, and the codes of set-up problems (docs/errors.md says what each means), never the error
 * text (it names hosts, ports and users) or the pending migrations. Admins (ADMIN_TOKEN) get the report as
 * it is.
 */
export type PublicChecks = Record<Exclude<keyof HealthReport['checks'], 'preflight'>, Basic> & {
  preflight: Basic & { problems: string[] };
};

export function publicChecks(report: HealthReport): PublicChecks {
  const strip = (check: CheckResult) => ({ ok: check.ok, latencyMs: check.latencyMs });
  const { preflight } = report.checks;
  return {
    postgres: strip(report.checks.postgres),
    redis: strip(report.checks.redis),
    migrations: strip(report.checks.migrations),
    preflight: { ...strip(preflight), problems: preflight.problems.map((problem) => problem.code) },
  };
}

/** The human names used in error messages. */
export const CHECK_NAMES: Record<keyof HealthReport['checks'], string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  migrations: 'Database migrations',
  preflight: 'The PostgreSQL and Redis set-up',
};

/** Names of the failing checks among `names`, for a message ("PostgreSQL and Redis"). */
export function failing(report: HealthReport, names: ReadonlyArray<keyof HealthReport['checks']>): string[] {
  return names.filter((name) => !report.checks[name].ok).map((name) => CHECK_NAMES[name]);
}

/**
 * The answer for set-up problems of `dependencies` (all when not given): the dependencies named once
 * ("PostgreSQL and Redis") and the problems' codes; null when there are none.
 */
export function misconfigured(
  report: HealthReport,
  dependencies: ReadonlyArray<PreflightProblem['dependency']> = ['PostgreSQL', 'Redis'],
): { dependency: string; problems: string } | null {
  const problems = report.checks.preflight.problems.filter((problem) => dependencies.includes(problem.dependency));
  if (problems.length === 0) return null;
  const named = [...new Set(problems.map((problem) => problem.dependency))];
  return { dependency: named.join(' and '), problems: problems.map((problem) => problem.code).join(', ') };
}
