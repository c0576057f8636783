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
 * The database as the event path holds it: a `pg` pool connected as the whole `databaseUrl` says (TLS per
 * `sslmode`, `options`, `schema`…: src/db/url.ts), and whether statements may be prepared on it. The worker
 * holds only this (its statements go through src/db/sql.ts), so its process never loads Prisma's query
 * compiler — about 70 MiB of WebAssembly and buffers once a first Prisma query runs. `poolSize`
 * (DATABASE_POOL_SIZE) wins over the URL's `connection_limit`; prepared statements are off when either the
 * option or the URL (`pgbouncer=true`) says so.
 */
export interface Database {
  readonly pool: pg.Pool;
  readonly preparedStatements: boolean;
  /** Closes the pool (connections in use are closed once given back). */
  end(): Promise<void>;
}

export function createDatabase(
  databaseUrl: string,
  options: { poolSize?: number; preparedStatements?: boolean } = {},
): Database {
  const target = parseDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({ ...target.pool, max: options.poolSize ?? target.connectionLimit ?? 10 });
  // An idle connection the server closes (a restart, a failover, pg_terminate_backend) is dropped by the pool
  // and the next statement opens a new one; the pool also emits 'error', which would end the process unheard.
  pool.on('error', () => undefined);
  let ended: Promise<void> | undefined;
  return {
    pool,
    preparedStatements: options.preparedStatements !== false && target.preparedStatements !== false,
    end: () => (ended ??= pool.end()),
  };
}

/**
 * The Prisma client (the schema's and the admin and cold paths' client; Prisma 7 has no native query engine)
 * on the pg driver adapter over a `Database`: one pool, shared, so DATABASE_POOL_SIZE bounds both, and the
 * plain-SQL statements of the same process take their connections from it (`databaseOf`). Prisma ends it on
 * $disconnect.
 */
export function createPrisma(
  databaseUrl: string,
  options: { poolSize?: number; preparedStatements?: boolean } = {},
): PrismaClient {
  const database = createDatabase(databaseUrl, options);
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(database.pool, {
    ...(schema ? { schema } : {}),
    ...(database.preparedStatements ? { statementNameGenerator: preparedStatementNames() } : {}),
    disposeExternalPool: true,
  });
  const prisma = new PrismaClient({ adapter });
  databases.set(prisma, database);
  return prisma;
}

const databases = new WeakMap<PrismaClient, Database>();

/**
 * The database under a Prisma client createPrisma made (its pool), or the `Database` itself: what the
 * plain-SQL runner takes, from the API (which holds a Prisma client) and the worker (which holds none) alike.
 */
export function databaseOf(source: Database | PrismaClient): Database {
  const database = databases.get(source as PrismaClient);
  if (database) return database;
  if (isDatabase(source)) return source;
  // A client createPrisma did not make has no pool for plain SQL: a defect, said at once.
  throw new Error('this Prisma client was not made by createPrisma: it has no pool for plain SQL');
}

function isDatabase(source: Database | PrismaClient): source is Database {
  return !databases.has(source as PrismaClient) && (source as Partial<Database>).pool instanceof pg.Pool;
}
