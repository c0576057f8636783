/**
 * An account as it stands, read without a lock: what AppDirect's restrictions question is answered from. The
 * answer is advice given before a sale; the event that follows is decided again under the account's lock.
 */
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';
import type { AccountStatusName } from './lifecycle';

export interface AccountSnapshot {
  readonly id: string;
  readonly status: AccountStatusName;
  readonly editionCode: string;
  readonly maxUsers: number | null;
  readonly seatsUsed: number;
  /** How many of the users asked about already hold a seat. */
  readonly seatedAmong: number;
}

/** The account, its seats taken, and how many of `userUuids` hold one; null when there is no such account. */
export async function accountSnapshot(
  sql: Sql,
  accountId: string,
  userUuids: readonly string[],
): Promise<AccountSnapshot | null> {
  const [row] = await sql<{
    id: string;
    status: AccountStatusName;
    editionCode: string;
    maxUsers: number | null;
    seatsUsed: number;
    seatedAmong: number;
  }>(Prisma.sql`
    SELECT a.id, a.status::text AS status, a."editionCode", a."maxUsers",
      (SELECT count(*)::int FROM seats s WHERE s."accountId" = a.id) AS "seatsUsed",
      (SELECT count(*)::int FROM seats s JOIN users u ON u.id = s."userId"
        WHERE s."accountId" = a.id AND u.uuid = ANY(${[...userUuids]}::text[])) AS "seatedAmong"
    FROM accounts a WHERE a.id = ${accountId}`);
  return row ?? null;
}
