import type { CheckResult, HealthReport } from './checks';

/**
 * What an anonymous caller of /status or /readyz may see of a health report: which check passed and how
 * long it took, never the error text (it names hosts, ports and users) or the pending migrations.
 * Admins (ADMIN_TOKEN) get the report as it is.
 */
export type PublicChecks = Record<keyof HealthReport['checks'], Pick<CheckResult, 'ok' | 'latencyMs'>>;

export function publicChecks(report: HealthReport): PublicChecks {
  const strip = (check: CheckResult) => ({ ok: check.ok, latencyMs: check.latencyMs });
  return {
    postgres: strip(report.checks.postgres),
    redis: strip(report.checks.redis),
    migrations: strip(report.checks.migrations),
  };
}

/** The human names used in error messages. */
export const CHECK_NAMES: Record<keyof HealthReport['checks'], string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  migrations: 'Database migrations',
};

/** Names of the failing checks among `names`, for a message ("PostgreSQL and Redis"). */
export function failing(report: HealthReport, names: ReadonlyArray<keyof HealthReport['checks']>): string[] {
  return names.filter((name) => !report.checks[name].ok).map((name) => CHECK_NAMES[name]);
}
