/** Users (keyed by AppDirect uuid, never by e-mail) and the seats they hold on accounts. */
import type { Prisma, User } from '../db/client';
import type { Person } from '../events/schema';

/** Creates or refreshes the user keyed by AppDirect uuid. */
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

export function findUser(tx: Prisma.TransactionClient, uuid: string): Promise<User | null> {
  return tx.user.findUnique({ where: { uuid } });
}

/** Seats taken on the account, the owner's included. Exact while the account row is locked. */
export function seatsUsed(tx: Prisma.TransactionClient, accountId: string): Promise<number> {
  return tx.seat.count({ where: { accountId } });
}

export function findSeat(tx: Prisma.TransactionClient, accountId: string, userId: string) {
  return tx.seat.findUnique({ where: { accountId_userId: { accountId, userId } } });
}

export async function assignSeat(tx: Prisma.TransactionClient, accountId: string, userId: string): Promise<void> {
  await tx.seat.create({ data: { accountId, userId, role: 'user' } });
}

export async function removeSeat(tx: Prisma.TransactionClient, accountId: string, userId: string): Promise<void> {
  await tx.seat.delete({ where: { accountId_userId: { accountId, userId } } });
}
