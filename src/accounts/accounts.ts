/**
 * The `accounts` table: one AppDirect company buying one application on one marketplace. Only this
 * module (with users.ts and addons.ts for seats, users and add-ons) writes the account store.
 */
import { columns, Prisma, type Account } from '../db/client';
import type { Sql } from '../db/sql';
import { isLive, type AccountStatusName } from './lifecycle';

const ACCOUNT_COLUMNS = columns(Prisma.AccountScalarFieldEnum);

/**
 * The account, row-locked until the transaction ends (FOR UPDATE): seat counts and status checks that
 * follow cannot race another transaction on it, in this process or any other.
 */
export async function lockAccount(sql: Sql, accountId: string | undefined): Promise<Account | null> {
  if (!accountId) return null;
  const [account] = await sql<Account>(
    Prisma.sql`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ${accountId} FOR UPDATE`,
  );
  return account ?? null;
}

/**
 * The accounts one transaction has locked, each read once: a group commit (src/inbox/group.ts) decides many
 * user events of one account, and a user event never changes the account row — except a company update,
 * which forgets it (`forget`), so the next event reads it again. Locked rows cannot change under it.
 */
export class LockedAccounts {
  private readonly rows = new Map<string, Account | null>();

  constructor(private readonly sql: Sql) {}

  async lock(accountId: string | undefined): Promise<Account | null> {
    if (!accountId) return null;
    if (!this.rows.has(accountId)) this.rows.set(accountId, await lockAccount(this.sql, accountId));
    return this.rows.get(accountId) ?? null;
  }

  forget(accountId: string): void {
    this.rows.delete(accountId);
  }
}

/** The company's live (active or suspended) account for the product, if it has one. */
export function findLiveAccountOfCompany(
  tx: Prisma.TransactionClient,
  companyUuid: string,
  applicationUuid: string,
): Promise<Account | null> {
  return tx.account.findUnique({
    where: { liveCompanyUuid_applicationUuid: { liveCompanyUuid: companyUuid, applicationUuid } },
  });
}

/**
 * The status an event is decided against: the account's own, or the one it had when the event arrived
 * when a SUBSCRIPTION_NOTICE overtook the event (notices are applied at once, ahead of queued events).
 */
export function statusForEvent(
  account: Pick<Account, 'status'>,
  statusAtArrival: AccountStatusName | null,
): AccountStatusName {
  return statusAtArrival ?? account.status;
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
      liveCompanyUuid: account.company.uuid,
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

/**
 * Moves the account to `status` (the lifecycle decided the move is allowed). A cancelled or closed
 * account is no longer its company's live account for the product: the company may order again.
 */
export async function setAccountStatus(
  tx: Prisma.TransactionClient,
  account: Pick<Account, 'id' | 'companyUuid'>,
  status: AccountStatusName,
): Promise<void> {
  await tx.account.update({
    where: { id: account.id },
    data: {
      status,
      liveCompanyUuid: isLive(status) ? account.companyUuid : null,
      ...(status === 'cancelled' ? { cancelledAt: new Date() } : {}),
    },
  });
}

export async function updateCompany(
  sql: Sql,
  account: Account,
  company: { name: string; email?: string; phoneNumber?: string; website?: string; country?: string },
): Promise<void> {
  await sql(Prisma.sql`
    UPDATE accounts SET "companyName" = ${company.name}, "companyEmail" = ${company.email ?? account.companyEmail},
      "companyPhone" = ${company.phoneNumber ?? account.companyPhone},
      "companyWebsite" = ${company.website ?? account.companyWebsite},
      "companyCountry" = ${company.country ?? account.companyCountry}, "updatedAt" = ${new Date()}
    WHERE id = ${account.id}`);
}

/**
 * The user already owns a live account of this product for another company: AppDirect's
 * USER_ALREADY_EXISTS ("this buyer already has this product"). Other products do not count.
 */
export async function ownsProductForAnotherCompany(
  tx: Prisma.TransactionClient,
  userId: string,
  companyUuid: string,
  applicationUuid: string,
): Promise<boolean> {
  const seat = await tx.seat.findFirst({
    where: {
      userId,
      role: 'owner',
      account: { applicationUuid, liveCompanyUuid: { not: null }, NOT: { companyUuid } },
    },
    select: { accountId: true },
  });
  return seat !== null;
}

/** Remembers the last notice applied to the account (see lastNoticeSeq). */
export async function recordNoticeApplied(
  tx: Prisma.TransactionClient,
  accountId: string,
  eventSeq: bigint,
): Promise<void> {
  await tx.account.update({ where: { id: accountId }, data: { lastNoticeSeq: eventSeq } });
}

/** The vendor's product has provisioned the account: its later events may run. */
export async function markProvisioned(db: Prisma.TransactionClient, accountId: string): Promise<void> {
  await db.$executeRaw`UPDATE accounts SET "provisioningStatus" = 'done', "updatedAt" = now() WHERE id = ${accountId}`;
}

/** The account's provisioning status (null: no such account). */
export async function provisioningStatusOf(db: Prisma.TransactionClient, accountId: string): Promise<string | null> {
  const account = await db.account.findUnique({ where: { id: accountId }, select: { provisioningStatus: true } });
  return account?.provisioningStatus ?? null;
}

/**
 * The vendor's product chose its own identifier for a new account: the account takes it, and every row
 * naming the account follows (foreign keys ON UPDATE CASCADE). False when an account or add-on has it.
 */
export async function renameAccount(tx: Prisma.TransactionClient, from: string, to: string): Promise<boolean> {
  const [taken] = await tx.$queryRaw<Array<{ taken: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ${to}) OR EXISTS (SELECT 1 FROM addon_instances WHERE id = ${to}) AS taken`;
  if (taken?.taken) return false;
  await tx.$executeRaw`UPDATE accounts SET id = ${to}, "updatedAt" = now() WHERE id = ${from}`;
  return true;
}
