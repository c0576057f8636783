/**
 * Can the app role (DATABASE_URL) reach the service's tables and read and write them? Checked when the API
 * or a worker starts and again every minute (src/health/preflight.ts): a least-privilege role that was
 * never granted them, or whose grants were revoked, would otherwise only show up as every event failing;
 * here it is one catalogue problem naming the GRANTs to run, on /status and in the log.
 */
import pg from 'pg';
import { AppError } from '../errors/app-error';
import { isDatabaseUnavailable } from './failures';
import { databaseRefusalReason } from './reason';
import { parseDatabaseUrl } from './url';

/** The database cannot be used as configured; `problem` is the catalogue's entry for it, saying what to do. */
export class DatabasePreflightError extends Error {
  constructor(readonly problem: AppError) {
    super(`${problem.message} ${problem.action}`);
    this.name = 'DatabasePreflightError';
  }
}

const refused = (database: string, reason: string) =>
  new DatabasePreflightError(new AppError('DATABASE_REFUSED', { database, reason: reason.replace(/\.$/, '') }));

const grantsFor = (schema: string, role: string): string =>
  [
    `GRANT USAGE ON SCHEMA ${schema} TO ${role};`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};`,
  ].join(' ');

/**
 * Resolves `ok` when the role can use every table, `unreachable` when PostgreSQL does not answer (the
 * service copes with that, so starting is fine); throws DatabasePreflightError for anything an operator
 * must fix: a refused connection (TLS, pg_hba.conf, password), tables not found, privileges missing.
 */
export async function preflightDatabase(databaseUrl: string): Promise<'ok' | 'unreachable'> {
  const target = parseDatabaseUrl(databaseUrl);
  const client = new pg.Client({ ...target.pool });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const reason = databaseRefusalReason(error);
    if (reason) throw refused(target.display, reason);
    if (isDatabaseUnavailable(error)) return 'unreachable';
    throw refused(target.display, (error as Error).message);
  }
  try {
    // The search path only holds schemas the role may USE, so without USAGE the tables are "not found".
    const { rows } = await client.query<{ role: string; schema: string | null; hasEvents: boolean; missing: string[] }>(
      `SELECT current_user AS role, current_schema() AS schema, to_regclass('events') IS NOT NULL AS "hasEvents",
              array(SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'
                      -- one privilege at a time: given a list, has_table_privilege is true when ANY of them is held
                      AND NOT (SELECT bool_and(has_table_privilege(format('%I.%I', schemaname, tablename), p))
                                 FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p)
                    UNION ALL
                    SELECT sequencename::text FROM pg_sequences WHERE schemaname = current_schema()
                      AND NOT has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'USAGE')
                    UNION ALL
                    SELECT '_prisma_migrations' WHERE to_regclass('_prisma_migrations') IS NOT NULL
                      AND NOT has_table_privilege('_prisma_migrations', 'SELECT')
                    ORDER BY 1) AS missing`,
    );
    const row = rows[0]!;
    const schema = target.schema ?? row.schema ?? 'public';
    if (!row.hasEvents) {
      throw new DatabasePreflightError(
        new AppError('DATABASE_TABLES_NOT_FOUND', {
          database: target.display,
          role: row.role,
          schema: row.schema ?? 'none it may use',
          grants: grantsFor(schema, row.role),
        }),
      );
    }
    if (row.missing.length > 0) {
      throw new DatabasePreflightError(
        new AppError('DATABASE_PRIVILEGES_MISSING', {
          database: target.display,
          role: row.role,
          objects: row.missing.join(', '),
          schema,
          grants: grantsFor(schema, row.role),
        }),
      );
    }
    return 'ok';
  } catch (error) {
    if (error instanceof DatabasePreflightError) throw error;
    const reason = databaseRefusalReason(error);
    if (reason) throw refused(target.display, reason);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
