/**
 * Plain SQL for the hot path (issue 13): a statement sent through Prisma's client costs the worker about
 * four times the CPU of the same statement sent by `pg` itself (`npm run bench:statements`), and an event
 * is a dozen statements. Prisma stays the schema and migration owner and the client for admin and cold
 * paths; the statements an event's group commit sends (src/inbox/group.ts) go through a `Sql` runner.
 *
 * A `Sql` runs a `Prisma.sql` template — the same text and values either way — on one of two things:
 *  - a Prisma transaction (`prismaSql(tx)`): what the one-by-one path uses, unchanged in cost;
 *  - a `pg` connection in a transaction of its own (`inPgTransaction`): named prepared statements, values
 *    and results converted the way Prisma converts them (a Date is an instant, int8 is BigInt), so code
 *    written against one runs the same against the other.
 */
import pg from 'pg';
import type { Prisma, PrismaClient } from './client';
import { preparedStatementNames, sqlPoolOf } from './client';

/** Runs one statement; its rows. */
export type Sql = <T = Record<string, unknown>>(query: Prisma.Sql) => Promise<T[]>;

/** A Prisma transaction as a `Sql`. */
export const prismaSql =
  (tx: Prisma.TransactionClient): Sql =>
  <T>(query: Prisma.Sql) =>
    tx.$queryRaw<T[]>(query);

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
 * Statements outside any transaction, each on a connection the pool lends for it (autocommit): for
 * single-statement reads and writes of the hot path. Falls back to Prisma's raw query when `prisma` has
 * no pool of its own.
 */
export function pooledSql(prisma: PrismaClient): Sql {
  const pool = sqlPoolOf(prisma);
  if (!pool) return <T>(query: Prisma.Sql) => prisma.$queryRaw<T[]>(query);
  return async <T>(query: Prisma.Sql) =>
    (await pool.pool.query(queryConfig(query, pool.preparedStatements))).rows as T[];
}

/**
 * Runs `work` in a transaction of its own on a connection from `prisma`'s pool: committed when it
 * returns, rolled back when it throws (the error is rethrown).
 */
export async function inPgTransaction<T>(
  prisma: PrismaClient,
  work: (sql: Sql) => Promise<T>,
  options: {
    /** Takes this advisory lock (pg_advisory_xact_lock on its 64-bit hash) in the same round trip as BEGIN. */
    lockKey?: string;
  } = {},
): Promise<T> {
  const pool = sqlPoolOf(prisma);
  if (!pool) throw new Error('inPgTransaction: this Prisma client was not made by createPrisma');
  const client = await pool.pool.connect();
  // A connection the server closes while it is lent out fails its query and also emits 'error', which would
  // end the process without a listener (the pool listens only while the connection is idle).
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  client.on('error', onLost);
  let broken: unknown;
  try {
    // The simple-query protocol runs both statements in one round trip (the key is a literal, escaped).
    await client.query(
      options.lockKey === undefined
        ? 'BEGIN'
        : `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(options.lockKey)}, 0))`,
    );
    const value = await work(pgSql(client, pool.preparedStatements));
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
