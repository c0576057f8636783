import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
export { Prisma } from '../generated/prisma/client';
export type { Event, Account, User, Seat } from '../generated/prisma/client';

/** The Prisma client on the pg driver adapter (Prisma 7 has no native query engine). */
export function createPrisma(databaseUrl: string, options: { poolSize?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}

/** True when `error` means PostgreSQL could not be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const record = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    const code = typeof record.code === 'string' ? record.code : '';
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'P1001', 'P1002', 'P1017', '57P01', '57P02', '57P03', '08006'].includes(code)) {
      return true;
    }
    if (record.name === 'PrismaClientInitializationError') return true;
    // Errors from the pg driver adapter carry a kind (and PostgreSQL's own code) under meta.driverAdapterError.
    const adapterCause = (record as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } }).meta?.driverAdapterError?.cause;
    if (adapterCause && ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'].includes(String(adapterCause.kind))) return true;
    if (adapterCause && ['57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(String(adapterCause.originalCode))) return true;
    if (['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'].includes(String((record as { kind?: unknown }).kind))) return true;
    const message = typeof record.message === 'string' ? record.message : '';
    if (/Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Can't reach database server|DatabaseNotReachable/i.test(message)) {
      return true;
    }
    current = record.cause;
  }
  return false;
}
