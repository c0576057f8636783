/**
 * The one classification of database errors (src/db/failures.ts), on errors shaped as the drivers raise them
 * (the shapes below were read off a real PostgreSQL 15 terminating, timing out and refusing statements).
 */
import { DatabaseError } from 'pg';
import { Prisma } from '../../src/db/client';
import { classifyDatabaseError, isDatabaseUnavailable, isTransientDatabaseError } from '../../src/db/failures';
import { OutageBackoff } from '../../src/queue/worker-loop';

/** pg's own error for a server ErrorResponse. */
function pgError(code: string, message = 'server said no'): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'ERROR';
  return error;
}

/** Prisma 7's error for a raw query PostgreSQL refused, as the pg driver adapter reports it. */
function prismaRawError(code: string, message = 'server said no'): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError(`Raw query failed. Code: \`${code}\`. Message: \`${message}\``, {
    code: 'P2010',
    clientVersion: '7',
    meta: {
      driverAdapterError: {
        name: 'DriverAdapterError',
        cause: { originalCode: code, originalMessage: message, kind: 'postgres', code, severity: 'FATAL', message },
      },
    },
  });
}

describe('classifyDatabaseError', () => {
  it.each([
    ['pg_terminate_backend, through pg', pgError('57P01', 'terminating connection due to administrator command')],
    ['pg_terminate_backend, through Prisma', prismaRawError('57P01')],
    ['a server starting up', pgError('57P03', 'the database system is starting up')],
    ['too many connections', prismaRawError('53300', 'sorry, too many clients already')],
    ['a connection exception', pgError('08006')],
    ['the socket refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the socket reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a connection that ended under a query', new Error('Connection terminated unexpectedly')],
    [
      'a client whose connection failed before',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    [
      'Prisma cannot reach the server',
      new Prisma.PrismaClientKnownRequestError('x', { code: 'P1001', clientVersion: '7' }),
    ],
    ['Prisma could not start', new Prisma.PrismaClientInitializationError('cannot connect', '7')],
    ['a wrapped cause', new Error('claiming the event', { cause: pgError('57P01') })],
  ])('%s: unavailable', (_name, error) => {
    expect(classifyDatabaseError(error)).toBe('unavailable');
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a deadlock', pgError('40P01', 'deadlock detected'), 'conflict'],
    ['a serialization failure', prismaRawError('40001'), 'conflict'],
    [
      'Prisma write conflict',
      new Prisma.PrismaClientKnownRequestError('x', { code: 'P2034', clientVersion: '7' }),
      'conflict',
    ],
    ['lock_timeout', pgError('55P03', 'canceling statement due to lock timeout'), 'timeout'],
    ['statement_timeout', prismaRawError('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [
      'a transaction that expired',
      new Prisma.PrismaClientKnownRequestError('x', { code: 'P2028', clientVersion: '7' }),
      'timeout',
    ],
    ['the pool gave up', new Error('timeout exceeded when trying to connect'), 'timeout'],
  ])('%s: %s, transient', (_name, error, expected) => {
    expect(classifyDatabaseError(error)).toBe(expected);
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['an invalid value', prismaRawError('22P02', 'invalid input syntax for type uuid')],
    ['a wrong password', pgError('28P01', 'password authentication failed')],
    ['a missing table', pgError('42P01', 'relation "events" does not exist')],
  ])('%s: rejected, not transient', (_name, error) => {
    expect(classifyDatabaseError(error)).toBe('rejected');
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it.each([
    ['an application defect', new TypeError("Cannot read properties of undefined (reading 'id')")],
    [
      'a message that merely mentions a connection',
      new Error('the product said: Connection terminated unexpectedly, try later'),
    ],
    [
      'a Prisma code that is not a SQLSTATE',
      new Prisma.PrismaClientKnownRequestError('x', { code: 'P2025', clientVersion: '7' }),
    ],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: not a database failure', (_name, error) => {
    expect(classifyDatabaseError(error)).toBeNull();
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it('does not loop on a cause chain that points back at itself', () => {
    const error = new Error('outer') as Error & { cause?: unknown };
    error.cause = error;
    expect(classifyDatabaseError(error)).toBeNull();
  });
});

describe('OutageBackoff', () => {
  it('waits longer with each job that meets the outage, up to its cap, and starts over once a job runs through', () => {
    const backoff = new OutageBackoff(250, 15_000, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => backoff.nextDelayMs())).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 15000, 15000,
    ]);
    backoff.over();
    expect(backoff.nextDelayMs()).toBe(250);
  });
});
