/**
 * The `accounts` table: one AppDirect company buying one application on one marketplace. Only this
 * module (with users.ts and addons.ts for seats, users and add-ons) writes the account store.
 */
import { columns, Prisma, type Account } from '../db/client';
import type { AccountStatusName } from './lifecycle';

const ACCOUNT_COLUMNS = columns(Prisma.AccountScalarFieldEnum);

/**
 * The account, row-locked until the transaction ends (FOR UPDATE): seat counts and status checks that
 * follow cannot race another transaction on it, in this process or any other.
 */
export async function lockAccount(tx: Prisma.TransactionClient, accountId: string | undefined): Promise<Account | null> {
  if (!accountId) return null;
  const [account] = await tx.$queryRaw<Account[]>`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ${accountId} FOR UPDATE`;
  return account ?? null;
}

export function findAccountOfCompany(tx: Prisma.TransactionClient, companyUuid: string, applicationUuid: string): Promise<Account | null> {
  return tx.account.findUnique({ where: { companyUuid_applicationUuid: { companyUuid, applicationUuid } } });
}

/** A plan as an order states it: edition, billing period, seat limit (null: unlimited) and the order lines. */
export interface Plan {
  readonly editionCode: string;
  readonly pricingDuration: string | null;
  readonly maxUsers: number | null;
  readonly orderItems: Prisma.InputJsonArray;
}

export interface NewAccount extends Plan {
  readonly id: string;
  readonly company: {
    readonly uuid: string;
    readonly name: string;
    readonly externalId: string | null;
    readonly email: string | null;
    readonly phone: string | null;
    readonly website: string | null;
    readonly country: string | null;
  };
  readonly applicationUuid: string;
  readonly configuration: Prisma.InputJsonObject;
  readonly marketplaceBaseUrl: string;
  readonly marketplacePartner: string | null;
  readonly development: boolean;
  readonly createdByEventToken: string;
  /** The buyer, who holds the owner's seat. */
  readonly ownerUserId: string;
}

/** Creates the account with its owner's seat. It waits for its provisioning hook (`pending`) before later events run. */
export async function createAccount(tx: Prisma.TransactionClient, account: NewAccount): Promise<void> {
  await tx.account.create({
    data: {
      id: account.id,
      companyUuid: account.company.uuid,
      applicationUuid: account.applicationUuid,
      companyName: account.company.name,
      companyExternalId: account.company.externalId,
      companyEmail: account.company.email,
      companyPhone: account.company.phone,
      companyWebsite: account.company.website,
      companyCountry: account.company.country,
      editionCode: account.editionCode,
      pricingDuration: account.pricingDuration,
      maxUsers: account.maxUsers,
      orderItems: account.orderItems,
      configuration: account.configuration,
      marketplaceBaseUrl: account.marketplaceBaseUrl,
      marketplacePartner: account.marketplacePartner,
      development: account.development,
      provisioningStatus: 'pending',
      createdByEventToken: account.createdByEventToken,
      seats: { create: { userId: account.ownerUserId, role: 'owner' } },
    },
  });
}

export async function changePlan(tx: Prisma.TransactionClient, accountId: string, plan: Plan): Promise<void> {
  await tx.account.update({ where: { id: accountId }, data: { ...plan } });
}

/** Moves the account to `status` (the lifecycle decided the move is allowed). */
export async function setAccountStatus(tx: Prisma.TransactionClient, accountId: string, status: AccountStatusName): Promise<void> {
  await tx.account.update({
    where: { id: accountId },
    data: { status, ...(status === 'cancelled' ? { cancelledAt: new Date() } : {}) },
  });
}

export async function updateCompany(
  tx: Prisma.TransactionClient,
  account: Account,
  company: { name: string; email?: string; phoneNumber?: string; website?: string; country?: string },
): Promise<void> {
  await tx.account.update({
    where: { id: account.id },
    data: {
      companyName: company.name,
      companyEmail: company.email ?? account.companyEmail,
      companyPhone: company.phoneNumber ?? account.companyPhone,
      companyWebsite: company.website ?? account.companyWebsite,
      companyCountry: company.country ?? account.companyCountry,
    },
  });
}

/** The user owns an active account of another company or application. */
export async function ownsActiveAccountElsewhere(
  tx: Prisma.TransactionClient,
  userId: string,
  companyUuid: string,
  applicationUuid: string,
): Promise<boolean> {
  const seat = await tx.seat.findFirst({
    where: { userId, role: 'owner', account: { status: 'active', NOT: { companyUuid, applicationUuid } } },
    select: { accountId: true },
  });
  return seat !== null;
}

/** The vendor's product has provisioned the account: its later events may run. */
export async function markProvisioned(db: Prisma.TransactionClient, accountId: string): Promise<void> {
  await db.$executeRaw`UPDATE accounts SET "provisioningStatus" = 'done', "updatedAt" = now() WHERE id = ${accountId}`;
}

/** Provisioning was given up: the account's waiting events report PENDING. */
export async function markProvisioningFailed(db: Prisma.TransactionClient, accountId: string): Promise<void> {
  await db.account.update({ where: { id: accountId }, data: { provisioningStatus: 'failed' } });
}
