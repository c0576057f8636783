/**
 * Checked once when the API or a worker starts: can the app role (DATABASE_URL) reach the service's
 * tables and read and write them? A least-privilege role that was never granted them would otherwise
 * only show up as every event failing; here it is one message naming the GRANTs to run.
 */
import { isDatabaseUnavailable } from './failures';
import pg from 'pg';

import { databaseRefusalReason } from './reason';
import { parseDatabaseUrl } from './url';

/** The database cannot be used as configured; the message says what to do. Exit on it. */
export class DatabasePreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabasePreflightError';
  }
}

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
    if (reason) throw new DatabasePreflightError(`DATABASE_URL (${target.display}): ${reason}`);
    if (isDatabaseUnavailable(error)) return 'unreachable';
    throw new DatabasePreflightError(`DATABASE_URL (${target.display}): ${(error as Error).message}`);
  }
  try {
    // The search path only holds schemas the role may USE, so without USAGE the tables are "not found".
    const { rows } = await client.query<{ role: string; schema: string | null; hasEvents: boolean; missing: string[] }>(
      `SELECT current_user AS role, current_schema() AS schema, to_regclass('events') IS NOT NULL AS "hasEvents",
              array(SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'
                      AND NOT has_table_privilege(format('%I.%I', schemaname, tablename), 'SELECT, INSERT, UPDATE, DELETE')
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
        `DATABASE_URL (${target.display}): the role ${row.role} does not find the service's tables in its search_path` +
          ` (schema ${row.schema ?? 'none it may use'}). Run the migrations (npm run db:migrate, with MIGRATION_DATABASE_URL for an owner role),` +
          ` point the URL at their schema (schema=<name>), and let the role use it: ${grantsFor(schema, row.role)}`,
      );
    }
    if (row.missing.length > 0) {
      throw new DatabasePreflightError(
        `DATABASE_URL (${target.display}): the role ${row.role} may not use ${row.missing.join(', ')} in schema ${schema}.` +
          ` As the owner run: ${grantsFor(schema, row.role)} (and ALTER DEFAULT PRIVILEGES, docs/deploy.md, so tables of later migrations are granted too)`,
      );
    }
    return 'ok';
  } catch (error) {
    if (error instanceof DatabasePreflightError) throw error;
    const reason = databaseRefusalReason(error);
    if (reason) throw new DatabasePreflightError(`DATABASE_URL (${target.display}): ${reason}`);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
