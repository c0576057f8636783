/**
 * The plain-SQL runner: every statement of the event path (the inbox, the account store, the result and
 * product-call records) goes through a `Sql`, not through Prisma's client — a statement sent through Prisma
 * costs the worker about four times the CPU of the same statement sent by `pg` itself (`npm run
 * bench:statements`). Prisma stays the schema and migration owner and the client of the admin and cold paths.
 *
 * A `Sql` runs a `Prisma.sql` template (the text, its values as parameters) on a `pg` connection from a
 * `Database`'s pool (the worker's own; in the API, the one under its Prisma client), with named prepared statements, values and results converted
 * the way Prisma converts them (a Date is an instant, int8 is a BigInt): alone (`pooledSql`, autocommit), or
 * in a transaction of its own (`inPgTransaction`).
 */
import pg from 'pg';
import type { Database, Prisma, PrismaClient } from './client';
import { databaseOf, preparedStatementNames } from './client';

/** Runs one statement; its rows. */
export type Sql = <T = Record<string, unknown>>(query: Prisma.Sql) => Promise<T[]>;

const TIMESTAMP = 1114;
const INT8 = 20;

/**
 * Results as Prisma's raw queries give them: int8 a BigInt; timestamptz (every column) an instant, pg's own
 * parser. A bare `timestamp` (an expression, not a column) is a UTC wall time, as every session runs in UTC
 * (src/db/url.ts), never this process's local time.
 */
const resultTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
    if (oid === INT8) return (text: string) => BigInt(text);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as typeof pg.types.getTypeParser,
};

/** Values as Prisma sends them: a Date is its instant (ISO, with its `Z`), a BigInt its decimal text. */
function toParameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Statement names of their own (`adp_sql_…`), so they never meet a name Prisma's adapter prepared. */
const statementName = preparedStatementNames(500, 'adp_sql_');

/** The `pg` query for a template: converted values, Prisma's result types, a name when preparing. */
const queryConfig = (query: Prisma.Sql, prepared: boolean): pg.QueryConfig & { types: typeof resultTypes } => ({
  text: query.text,
  values: query.values.map(toParameter),
  types: resultTypes,
  ...(prepared ? { name: statementName({ sql: query.text }) || undefined } : {}),
});

/** A `pg` connection as a `Sql`. */
function pgSql(client: pg.PoolClient, prepared: boolean): Sql {
  return async <T>(query: Prisma.Sql) => (await client.query(queryConfig(query, prepared))).rows as T[];
}

/**
 * Where plain SQL runs: the worker's `Database`, or the Prisma client the API holds (its pool, the same
 * `Database`: createPrisma builds one).
 */
export type SqlSource = Database | PrismaClient;

/**
 * Statements outside any transaction, each on a connection the pool lends for it (autocommit): for
 * single-statement reads and writes of the hot path.
 */
export function pooledSql(source: SqlSource): Sql {
  const database = databaseOf(source);
  return async <T>(query: Prisma.Sql) =>
    (await database.pool.query(queryConfig(query, database.preparedStatements))).rows as T[];
}

/** A savepoint in a transaction: the work after it can be undone without the work before it. */
export interface Savepoint {
  /** Undoes everything since the savepoint (the transaction goes on). */
  rollback(): Promise<void>;
  /** Keeps it (forgets the savepoint). */
  release(): Promise<void>;
}

/** What `inPgTransaction` gives its work besides `Sql`. */
export interface PgTransaction {
  savepoint(): Promise<Savepoint>;
}

/**
 * Runs `work` in a transaction of its own on a connection from the database's pool: committed when it
 * returns, rolled back when it throws (the error is rethrown).
 */
export async function inPgTransaction<T>(
  source: SqlSource,
  work: (sql: Sql, transaction: PgTransaction) => Promise<T>,
  options: {
    /** Takes this advisory lock (pg_advisory_xact_lock on its 64-bit hash) in the same round trip as BEGIN. */
    lockKey?: string;
    /** Gives up any lock wait (the advisory lock included) after this long: `SET LOCAL lock_timeout`. */
    lockTimeoutMs?: number;
  } = {},
): Promise<T> {
  const database = databaseOf(source);
  const client = await database.pool.connect();
  // A connection the server closes while it is lent out fails its query and also emits 'error', which would
  // end the process without a listener (the pool listens only while the connection is idle).
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  client.on('error', onLost);
  let broken: unknown;
  let savepoints = 0;
  const transaction: PgTransaction = {
    savepoint: async () => {
      const name = `sp_${++savepoints}`;
      await client.query(`SAVEPOINT ${name}`);
      return {
        rollback: async () => void (await client.query(`ROLLBACK TO SAVEPOINT ${name}`)),
        release: async () => void (await client.query(`RELEASE SAVEPOINT ${name}`)),
      };
    },
  };
  try {
    // The simple-query protocol runs these statements in one round trip (values are literals, escaped).
    const opening = ['BEGIN'];
    if (options.lockTimeoutMs !== undefined)
      opening.push(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`);
    if (options.lockKey !== undefined)
      opening.push(`SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(options.lockKey)}, 0))`);
    await client.query(opening.join('; '));
    const value = await work(pgSql(client, database.preparedStatements), transaction);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => rollbackError,
    );
    throw error;
  } finally {
    client.removeListener('error', onLost);
    // A connection that was lost, or whose rollback failed, is not given back to the pool.
    const unusable = lost ?? (broken instanceof Error ? broken : undefined);
    client.release(unusable);
  }
}
