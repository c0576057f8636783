import { createHash } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { parseDatabaseUrl } from './url';

export { PrismaClient };
export { Prisma };
export type { Event, Account, User, Seat, AddonInstance, AddonBinding } from '../generated/prisma/client';

/**
 * Names for prepared statements, one per distinct SQL text: with a name, `pg` parses a statement
 * once per connection and then only binds and executes it, so PostgreSQL does not parse and plan
 * every execution again. The texts are the application's own (values are parameters), so there are
 * a few hundred at most. An empty name means unnamed to `pg`.
 */
export function preparedStatementNames(limit = 500, prefix = 'adp_'): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined) {
      // Beyond `limit` distinct texts a statement runs unnamed (parsed each time), so neither this map
      // nor each connection's prepared statements can grow without bound.
      if (names.size >= limit) return '';
      name = `${prefix}${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      names.set(sql, name);
    }
    return name;
  };
}

/**
 * The column list of a model for raw SQL (`RETURNING ${columns(Prisma.EventScalarFieldEnum)}`), instead
 * of `*`: a prepared statement's result shape must not change, so a migration that adds a column must
 * not change what a running process's statements return.
 */
export function columns(fields: Readonly<Record<string, string>>): Prisma.Sql {
  return Prisma.raw(
    Object.values(fields)
      .map((field) => `"${field}"`)
      .join(', '),
  );
}

/**
 * The Prisma client on the pg driver adapter (Prisma 7 has no native query engine), connected as the whole
 * `databaseUrl` says (TLS per `sslmode`, `options`, `schema`…: src/db/url.ts). `poolSize` (DATABASE_POOL_SIZE)
 * wins over the URL's `connection_limit`; prepared statements are off when either the option or the URL
 * (`pgbouncer=true`) says so.
 */
export function createPrisma(
  databaseUrl: string,
  options: { poolSize?: number; preparedStatements?: boolean } = {},
): PrismaClient {
  const target = parseDatabaseUrl(databaseUrl);
  const prepared = options.preparedStatements !== false && target.preparedStatements !== false;
  // One pool, shared: Prisma's client and the plain-SQL hot path (src/db/sql.ts) take their connections
  // from it, so DATABASE_POOL_SIZE bounds both. Prisma ends it on $disconnect.
  const pool = new pg.Pool({ ...target.pool, max: options.poolSize ?? target.connectionLimit ?? 10 });
  const adapter = new PrismaPg(pool, {
    ...(target.schema ? { schema: target.schema } : {}),
    ...(prepared ? { statementNameGenerator: preparedStatementNames() } : {}),
    disposeExternalPool: true,
  });
  const prisma = new PrismaClient({ adapter });
  sqlPools.set(prisma, { pool, preparedStatements: prepared });
  return prisma;
}

/** The `pg` pool under a client createPrisma made, and whether statements may be prepared on it. */
export interface SqlPool {
  readonly pool: pg.Pool;
  readonly preparedStatements: boolean;
}

const sqlPools = new WeakMap<PrismaClient, SqlPool>();

/** The pool under `prisma` (undefined for a client createPrisma did not make). */
export const sqlPoolOf = (prisma: PrismaClient): SqlPool | undefined => sqlPools.get(prisma);

/** True when `error` means PostgreSQL could not be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const record = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    const code = typeof record.code === 'string' ? record.code : '';
    if (
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'ENOTFOUND',
        'EPIPE',
        'P1001',
        'P1002',
        'P1017',
        '57P01',
        '57P02',
        '57P03',
        '08006',
      ].includes(code)
    ) {
      return true;
    }
    if (record.name === 'PrismaClientInitializationError') return true;
    // Errors from the pg driver adapter carry a kind (and PostgreSQL's own code) under meta.driverAdapterError.
    const adapterCause = (
      record as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } }
    ).meta?.driverAdapterError?.cause;
    if (
      adapterCause &&
      ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'].includes(
        String(adapterCause.kind),
      )
    )
      return true;
    if (
      adapterCause &&
      ['57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(String(adapterCause.originalCode))
    )
      return true;
    if (
      ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'].includes(
        String((record as { kind?: unknown }).kind),
      )
    )
      return true;
    const message = typeof record.message === 'string' ? record.message : '';
    if (
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Can't reach database server|DatabaseNotReachable/i.test(
        message,
      )
    ) {
      return true;
    }
    current = record.cause;
  }
  return false;
}

/**
 * True for database failures worth retrying: the server unreachable, a deadlock, a serialization
 * failure, a pool or transaction timeout. Anything else (a constraint, a bad statement) would fail again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  return (
    isDatabaseUnavailable(error) ||
    (error instanceof Prisma.PrismaClientKnownRequestError &&
      ['P2034', 'P1001', 'P1008', 'P1017', 'P2024', 'P2028'].includes(error.code)) ||
    /deadlock detected|could not serialize access/i.test(String((error as Error)?.message))
  );
}
