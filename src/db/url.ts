/**
 * DATABASE_URL (and MIGRATION_DATABASE_URL) read once, whole, into the settings of a `pg` pool, so the
 * API, the workers and the migration runner connect the same way. Parameters mean what they mean to libpq
 * users (psql, managed-database consoles): node-postgres on its own reads `sslmode=require` as full
 * certificate verification, which refuses the self-signed or private-CA certificates managed services
 * commonly present, and drops parameters it does not know.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ClientBase, PoolConfig } from 'pg';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** What a connection URL says, beyond where to connect. */
export interface DatabaseTarget {
  /** Settings for `new pg.Pool()` / `new pg.Client()` / PrismaPg (no pool size: the caller sets it). */
  readonly pool: PoolConfig;
  /** The schema the service's tables live in (`schema=` or the first entry of `-c search_path=`), if not the default. */
  readonly schema: string | undefined;
  readonly sslMode: SslMode | undefined;
  /** `connection_limit=` (Prisma's name for the pool size), if given. */
  readonly connectionLimit: number | undefined;
  /** False when the URL asks for no prepared statements (`pgbouncer=true` or `statement_cache_size=0`). */
  readonly preparedStatements: boolean | undefined;
  /** `host:port/database` as user@host:port/db, without the password: for messages. */
  readonly display: string;
}

/** The URL cannot be used; the message says which parameter and why. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** Parameters passed to PostgreSQL as they are (libpq's names). */
const PASSED_THROUGH = ['application_name', 'options', 'client_encoding'] as const;
/** Parameters read here; any other is refused, rather than silently dropped. */
const KNOWN = new Set<string>([
  ...PASSED_THROUGH,
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'connect_timeout',
  'schema',
  'connection_limit',
  'pgbouncer',
  'statement_cache_size',
  'search_path',
]);

function readFileParameter(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DatabaseUrlError(
      `${name}=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** The first schema of a `-c search_path=a,b` (or `--search_path=…`) in libpq's `options`. */
export function searchPathOf(options: string | undefined): string | undefined {
  const match = options?.match(/(?:-c\s*|--)search_path=("(?:[^"]|"")+"|[^,\s]+)/);
  if (!match?.[1]) return undefined;
  const first = match[1];
  return first.startsWith('"') ? first.slice(1, -1).replace(/""/g, '"') : first;
}

/** TLS settings for a libpq `sslmode` (`undefined`: no TLS). */
function tlsFor(mode: SslMode | undefined, params: URLSearchParams, host: string): ConnectionOptions | undefined {
  const rootCertFile = params.get('sslrootcert');
  const ca = rootCertFile && rootCertFile !== 'system' ? readFileParameter('sslrootcert', rootCertFile) : undefined;
  const cert = params.get('sslcert') ? readFileParameter('sslcert', params.get('sslcert')!) : undefined;
  const key = params.get('sslkey') ? readFileParameter('sslkey', params.get('sslkey')!) : undefined;
  const clientCert = {
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(params.get('sslpassword') ? { passphrase: params.get('sslpassword')! } : {}),
  };
  // Without sslmode libpq defaults to `prefer`; node-postgres cannot fall back to plaintext within one
  // attempt, so no sslmode keeps the historical plaintext default and the docs say to set one.
  switch (mode) {
    case undefined:
    case 'disable':
    case 'allow': // libpq tries plaintext first
      return undefined;
    case 'prefer':
    case 'require':
      // Encrypt; verify nothing -- unless a root certificate is given, which libpq then checks (verify-ca).
      if (ca) return { ca, ...clientCert, checkServerIdentity: () => undefined };
      return { rejectUnauthorized: false, ...clientCert };
    case 'verify-ca':
      if (!rootCertFile)
        throw new DatabaseUrlError(
          'sslmode=verify-ca needs sslrootcert=<file of the CA that signed the server certificate>',
        );
      return { ...(ca ? { ca } : {}), ...clientCert, checkServerIdentity: () => undefined };
    case 'verify-full':
      // sslrootcert=system (or none): Node's bundled public CAs, as libpq's `system`.
      // SNI carries host names only; an IP address is still checked against the certificate's IP entries.
      return { ...(ca ? { ca } : {}), ...clientCert, ...(isIP(host) ? {} : { servername: host }) };
  }
}

/**
 * Every session of the service runs in UTC, whatever the server's, database's or role's TimeZone. The columns are
 * timestamptz (instants), but Prisma's pg adapter sends a Date as a wall time without an offset and reads a
 * timestamptz by relabelling its offset as UTC (prisma/orm#26786, #28629): both are right only in a UTC session.
 * A SET (not the startup packet's `options`, which PgBouncer drops) is tracked by PgBouncer and re-applied to
 * whichever server connection a pooled client gets.
 */
async function inUtc(client: ClientBase): Promise<void> {
  await client.query("SET TIME ZONE 'UTC'");
}

/** Reads a `postgresql://` URL the way libpq would; throws DatabaseUrlError naming what is wrong. */
export function parseDatabaseUrl(raw: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DatabaseUrlError('is not a URL (expected postgresql://user:password@host:5432/database?sslmode=…)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new DatabaseUrlError(`has scheme ${url.protocol.replace(/:$/, '')}; expected postgresql://`);
  }
  const params = url.searchParams;
  const unknown = [...new Set(params.keys())].filter((key) => !KNOWN.has(key));
  if (unknown.length > 0)
    throw new DatabaseUrlError(`has parameters this service does not understand: ${unknown.join(', ')}`);
  const sslModeRaw = params.get('sslmode') ?? undefined;
  if (sslModeRaw !== undefined && !SSL_MODES.includes(sslModeRaw as SslMode)) {
    throw new DatabaseUrlError(`sslmode=${sslModeRaw} is not one of ${SSL_MODES.join(', ')}`);
  }
  const sslMode = sslModeRaw as SslMode | undefined;
  const host = params.get('host') ?? decodeURIComponent(url.hostname.replace(/^\[(.+)\]$/, '$1'));
  const port = Number(params.get('port') ?? (url.port || 5432));
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new DatabaseUrlError(`port ${params.get('port') ?? url.port} is not a port number`);
  const user = params.get('user') ?? decodeURIComponent(url.username);
  const password = params.get('password') ?? decodeURIComponent(url.password);
  const database = params.get('dbname') ?? (decodeURIComponent(url.pathname.replace(/^\//, '')) || user || 'postgres');

  const schemaParam = params.get('schema') ?? params.get('search_path') ?? undefined;
  let options = params.get('options') ?? undefined;
  // Prisma's `schema=`: the tables live there, so unqualified raw SQL must find them there too.
  if (schemaParam && !searchPathOf(options)) options = `${options ? `${options} ` : ''}-c search_path=${schemaParam}`;
  const schema = schemaParam ?? searchPathOf(options);

  const connectTimeout = params.get('connect_timeout');
  const connectionLimit = params.get('connection_limit');
  if (connectionLimit !== null && !/^[1-9]\d*$/.test(connectionLimit))
    throw new DatabaseUrlError(`connection_limit=${connectionLimit} is not a positive integer`);
  const noPrepared = params.get('pgbouncer') === 'true' || params.get('statement_cache_size') === '0';

  const ssl = tlsFor(sslMode, params, host);
  const pool: PoolConfig = {
    onConnect: inUtc,
    host,
    port,
    user,
    password,
    database,
    ...(ssl ? { ssl } : {}),
    ...(options ? { options } : {}),
    ...(params.get('application_name') ? { application_name: params.get('application_name')! } : {}),
    ...(params.get('client_encoding') ? { client_encoding: params.get('client_encoding')! } : {}),
    connectionTimeoutMillis: connectTimeout && Number(connectTimeout) > 0 ? Number(connectTimeout) * 1000 : 5_000,
  };
  return {
    pool,
    schema: schema && schema !== 'public' ? schema : undefined,
    sslMode,
    connectionLimit: connectionLimit === null ? undefined : Number(connectionLimit),
    preparedStatements: noPrepared ? false : undefined,
    display: `${user ? `${user}@` : ''}${host}:${port}/${database}`,
  };
}
