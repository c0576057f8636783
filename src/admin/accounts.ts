/** The account store as operators see it. */
import type { PrismaClient } from '../db/client';
import { recentAnswers } from '../restrictions/record';
import { likeLiteral } from './like';

export async function accountDetail(prisma: PrismaClient, accountIdentifier: string) {
  const account = await prisma.account.findUnique({
    where: { id: accountIdentifier },
    include: {
      seats: { include: { user: true }, orderBy: { assignedAt: 'asc' } },
      addons: { include: { bindings: true } },
    },
  });
  if (!account) return null;
  const events = await prisma.event.findMany({
    where: { accountId: accountIdentifier },
    orderBy: { seq: 'desc' },
    take: 20,
    select: { token: true, type: true, status: true, errorCode: true, receivedAt: true },
  });
  const restrictionAnswers = await recentAnswers(prisma, account);
  const migrated = await prisma.subscriptionMigration.findFirst({ where: { accountId: accountIdentifier } });
  return {
    accountIdentifier: account.id,
    status: account.status,
    provisioningStatus: account.provisioningStatus,
    editionCode: account.editionCode,
    pricingDuration: account.pricingDuration,
    maxUsers: account.maxUsers,
    seatsUsed: account.seats.length,
    company: {
      uuid: account.companyUuid,
      name: account.companyName,
      email: account.companyEmail,
      country: account.companyCountry,
    },
    applicationUuid: account.applicationUuid || null,
    marketplaceBaseUrl: account.marketplaceBaseUrl,
    development: account.development,
    createdAt: account.createdAt,
    cancelledAt: account.cancelledAt,
    users: account.seats.map((seat) => ({
      uuid: seat.user.uuid,
      email: seat.user.email,
      name: [seat.user.firstName, seat.user.lastName].filter(Boolean).join(' ') || null,
      role: seat.role,
      assignedAt: seat.assignedAt,
    })),
    addons: account.addons.map((addon) => ({
      id: addon.id,
      offeringCode: addon.offeringCode,
      status: addon.status,
      bindings: addon.bindings.filter((b) => !b.unboundAt).map((b) => b.id),
    })),
    events,
    restrictionAnswers,
    migration: migrated && {
      partner: migrated.partner || null,
      subscriptionIdentifier: migrated.subscriptionIdentifier,
      tenantIdentifier: migrated.tenantIdentifier,
      subscriptionUuid: migrated.subscriptionUuid,
      migratedAt: migrated.migratedAt,
    },
  };
}

/**
 * Accounts whose company name contains `search`, whose company uuid or identifier is `search`, or with a
 * user of that e-mail (case ignored), matched as written: `%`, `_` and `\` are characters, not patterns.
 */
export async function searchAccounts(prisma: PrismaClient, search: string, limit = 50) {
  // Case-insensitive matches are ILIKE in Prisma (`equals` too), hence the escaping.
  const literal = likeLiteral(search);
  const accounts = await prisma.account.findMany({
    where: {
      OR: [
        { companyName: { contains: literal, mode: 'insensitive' } },
        { companyUuid: search },
        { id: search },
        { seats: { some: { user: { email: { equals: literal, mode: 'insensitive' } } } } },
      ],
    },
    orderBy: { createdAt: 'desc' },
    take: limit,
    include: { _count: { select: { seats: true } } },
  });
  return accounts.map((a) => ({
    accountIdentifier: a.id,
    companyName: a.companyName,
    companyUuid: a.companyUuid,
    status: a.status,
    editionCode: a.editionCode,
    seatsUsed: a._count.seats,
    maxUsers: a.maxUsers,
  }));
}

/**
 * Which of `ids` are in the account store. An event may name an account we do not have (AppDirect's
 * ACCOUNT_NOT_FOUND): pages link only to accounts that exist.
 */
export async function knownAccounts(prisma: PrismaClient, ids: ReadonlyArray<string | null>): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Set();
  const rows = await prisma.account.findMany({ where: { id: { in: wanted } }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}
