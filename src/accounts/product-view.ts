/**
 * Accounts as the vendor's product reads them through the product API: the account with its users and
 * add-ons, by identifier or by company. Read-only.
 */
import type { PrismaClient } from '../db/client';

const INCLUDE = {
  seats: { include: { user: true }, orderBy: { assignedAt: 'asc' } },
  addons: { include: { bindings: true }, orderBy: { createdAt: 'asc' } },
} as const;

type Loaded = NonNullable<Awaited<ReturnType<typeof loadAccount>>>;

const loadAccount = (prisma: PrismaClient, id: string) =>
  prisma.account.findUnique({ where: { id }, include: INCLUDE });

function view(account: Loaded) {
  return {
    accountIdentifier: account.id,
    status: account.status,
    company: {
      uuid: account.companyUuid,
      name: account.companyName,
      email: account.companyEmail,
      country: account.companyCountry,
    },
    editionCode: account.editionCode,
    pricingDuration: account.pricingDuration,
    maxUsers: account.maxUsers,
    development: account.development,
    marketplaceBaseUrl: account.marketplaceBaseUrl,
    createdAt: account.createdAt,
    users: account.seats.map((seat) => ({
      uuid: seat.user.uuid,
      email: seat.user.email,
      firstName: seat.user.firstName,
      lastName: seat.user.lastName,
      role: seat.role,
      assignedAt: seat.assignedAt,
    })),
    addons: account.addons.map((addon) => ({
      addonInstanceId: addon.id,
      offeringCode: addon.offeringCode,
      status: addon.status,
      bindings: addon.bindings.filter((binding) => !binding.unboundAt).map((binding) => binding.id),
    })),
  };
}

export type ProductAccountView = ReturnType<typeof view>;

export async function productAccount(
  prisma: PrismaClient,
  accountIdentifier: string,
): Promise<ProductAccountView | null> {
  const account = await loadAccount(prisma, accountIdentifier);
  return account ? view(account) : null;
}

/** The company's accounts, newest first (a cancelled one and its re-subscription are both listed). */
export async function productAccountsOfCompany(
  prisma: PrismaClient,
  companyUuid: string,
): Promise<ProductAccountView[]> {
  const accounts = await prisma.account.findMany({
    where: { companyUuid },
    include: INCLUDE,
    orderBy: { createdAt: 'desc' },
    take: 50,
  });
  return accounts.map(view);
}
