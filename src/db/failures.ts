/**
 * What a database error means for the work that met it: the one classification every path uses (a job's
 * retry, the callback's 503, the synchronous answer's deadline, a result delivery's record).
 *
 * Errors reach us in three shapes: PostgreSQL's own (a SQLSTATE code, on a `pg` DatabaseError or under a
 * Prisma error's meta.driverAdapterError.cause), Prisma's (a P-code, an initialization error, a driver
 * adapter error kind), and the `pg` driver's and Node's (a socket error code, or one of the driver's few
 * fixed messages, which carry no code). The chain of causes is walked; the first thing recognised decides.
 */

/**
 * - `unavailable`: the server could not be reached, closed the connection (a restart, `pg_terminate_backend`,
 *   a failover), is starting or stopping, or has no connection or resource to spare. Gone a moment later.
 * - `conflict`: the transaction lost a race (deadlock, serialization failure). Running it again succeeds.
 * - `timeout`: a wait gave up (a lock, a statement, the pool, Prisma's transaction). Again may be quicker.
 * - `rejected`: the server refused the statement itself (a constraint, a value, the SQL). Again fails again.
 */
export type DatabaseFailure = 'unavailable' | 'conflict' | 'timeout' | 'rejected';

/** The failures a later attempt may get past. */
export const TRANSIENT_DATABASE_FAILURES: readonly DatabaseFailure[] = ['unavailable', 'conflict', 'timeout'];

/** PostgreSQL's error codes (SQLSTATE), by code or by class (first two characters). */
function ofSqlState(code: string): DatabaseFailure {
  switch (code) {
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '40003': // statement_completion_unknown
      return 'conflict';
    case '55P03': // lock_not_available (lock_timeout, NOWAIT)
    case '57014': // query_canceled (statement_timeout, a cancel)
      return 'timeout';
    case '57P01': // admin_shutdown (pg_terminate_backend, a fast or immediate stop)
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now (starting up, recovering)
    case '57P05': // idle_session_timeout
    case '25P03': // idle_in_transaction_session_timeout (the connection is closed)
      return 'unavailable';
  }
  switch (code.slice(0, 2)) {
    case '08': // connection_exception
    case '53': // insufficient_resources (too many connections, disk full, out of memory)
    case '58': // system_error (I/O)
      return 'unavailable';
    default:
      return 'rejected';
  }
}

/** Node's socket errors on the way to the server. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Prisma's codes (https://www.prisma.io/docs/orm/reference/error-reference). */
const PRISMA_CODES: Readonly<Record<string, DatabaseFailure>> = {
  P1001: 'unavailable', // can't reach database server
  P1002: 'unavailable', // reached, but timed out
  P1017: 'unavailable', // server has closed the connection
  P1008: 'timeout', // operations timed out
  P2024: 'timeout', // timed out fetching a connection from the pool
  P2028: 'timeout', // transaction API error: expired, already closed, could not start in time
  P2034: 'conflict', // write conflict or deadlock
};

/** The kinds of Prisma's driver adapter errors (meta.driverAdapterError.cause.kind), besides `postgres`. */
const ADAPTER_KINDS: Readonly<Record<string, DatabaseFailure>> = {
  DatabaseNotReachable: 'unavailable',
  ConnectionClosed: 'unavailable',
  SocketTimeout: 'unavailable',
  TooManyConnections: 'unavailable',
  TransactionWriteConflict: 'conflict',
  TransactionAlreadyClosed: 'timeout',
};

/**
 * The `pg` driver's own errors carry no code, only these fixed messages (pg and pg-pool 8.x): a connection
 * that ended under a query, a client whose connection failed earlier, a pool that could not connect in time.
 */
const DRIVER_MESSAGES: ReadonlyArray<[RegExp, DatabaseFailure]> = [
  [/^Connection terminated( unexpectedly| due to connection timeout)?$/, 'unavailable'],
  [/^Client has encountered a connection error and is not queryable$/, 'unavailable'],
  [/^Client was closed and is not queryable$/, 'unavailable'],
  [/^timeout exceeded when trying to connect$/, 'timeout'],
];

type Inspectable = {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
};

/** What this one error (not its causes) says, if anything. */
function ofOne(error: Inspectable): DatabaseFailure | null {
  const code = typeof error.code === 'string' ? error.code : '';
  const originalCode = typeof error.originalCode === 'string' ? error.originalCode : '';
  if (SOCKET_ERRORS.has(code)) return 'unavailable';
  if (code in PRISMA_CODES) return PRISMA_CODES[code]!;
  if (error.name === 'PrismaClientInitializationError') return 'unavailable';
  if (typeof error.kind === 'string' && error.kind in ADAPTER_KINDS) return ADAPTER_KINDS[error.kind]!;
  const sqlState = /^[0-9A-Z]{5}$/.test(originalCode) ? originalCode : /^[0-9A-Z]{5}$/.test(code) ? code : '';
  // A five-character code is a SQLSTATE on PostgreSQL's errors (pg's DatabaseError, the adapter's `postgres`
  // kind); Prisma's own codes (P2010 "raw query failed"…) are not, and their cause decides.
  if (
    sqlState &&
    !/^P\d{4}$/.test(sqlState) &&
    (error.kind === 'postgres' || error.name === 'error' || 'severity' in error)
  )
    return ofSqlState(sqlState);
  const message = typeof error.message === 'string' ? error.message.trim() : '';
  for (const [pattern, failure] of DRIVER_MESSAGES) if (pattern.test(message)) return failure;
  return null;
}

/**
 * What `error` means, or null when it is not a database error at all (an application defect, a marketplace
 * failure: other code classifies those).
 */
export function classifyDatabaseError(error: unknown): DatabaseFailure | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const record = current as Inspectable;
    const failure = ofOne(record);
    if (failure) return failure;
    pending.push(record.meta?.driverAdapterError?.cause, record.meta?.driverAdapterError, record.cause);
  }
  return null;
}

/** A database failure a later attempt may get past (unavailable, conflict, timeout). */
export const isTransientDatabaseError = (error: unknown): boolean => {
  const failure = classifyDatabaseError(error);
  return failure !== null && TRANSIENT_DATABASE_FAILURES.includes(failure);
};

/** PostgreSQL could not be reached or dropped the connection (as opposed to a refused statement or a wait). */
export const isDatabaseUnavailable = (error: unknown): boolean => classifyDatabaseError(error) === 'unavailable';

const RECORD_TRIES = 120;
const RECORD_PAUSE_MS = 500;

/**
 * Runs `record` until it succeeds while the database is unreachable (up to a minute), then gives up loudly:
 * for the record of something the marketplace already has (a result, a report), whose loss would send it twice.
 */
export async function untilRecorded(record: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await record();
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || attempt >= RECORD_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, RECORD_PAUSE_MS));
    }
  }
}
