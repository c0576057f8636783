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
