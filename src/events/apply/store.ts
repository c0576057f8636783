/** Account-store reads and writes shared by the apply functions. */
import { columns, Prisma, type Account, type User } from '../../db/client';
import type { Person } from '../schema';

const ACCOUNT_COLUMNS = columns(Prisma.AccountScalarFieldEnum);

/**
 * The account, row-locked until the transaction ends (FOR UPDATE): seat counts
 * and status checks that follow cannot race another transaction on it, in this
 * process or any other.
 */
export async function lockAccount(tx: Prisma.TransactionClient, accountId: string | undefined): Promise<Account | null> {
  if (!accountId) return null;
  const [account] = await tx.$queryRaw<Account[]>`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ${accountId} FOR UPDATE`;
  return account ?? null;
}

/** Creates or refreshes the user keyed by AppDirect uuid (never by e-mail). */
export async function upsertUser(tx: Prisma.TransactionClient, person: Person): Promise<User> {
  const fields = {
    openId: person.openId ?? null,
    email: person.email,
    firstName: person.firstName ?? null,
    lastName: person.lastName ?? null,
    language: person.language ?? null,
    locale: person.locale ?? null,
    attributes: person.attributes as Prisma.InputJsonObject,
  };
  return tx.user.upsert({ where: { uuid: person.uuid }, create: { uuid: person.uuid, ...fields }, update: fields });
}

export async function seatsUsed(tx: Prisma.TransactionClient, accountId: string): Promise<number> {
  return tx.seat.count({ where: { accountId } });
}

export const personArgs = (person: Person): Prisma.InputJsonObject => ({
  uuid: person.uuid,
  email: person.email,
  firstName: person.firstName ?? null,
  lastName: person.lastName ?? null,
});
