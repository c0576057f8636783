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
 * The accounts one transaction has locked, each read once: a run decides an account's waiting events in one
 * transaction, and most of them (user events) never change the account row. Every function here that writes
 * an account row takes this, not a bare `Sql`, and forgets the row it wrote, so the next event reads it again.
 * Locked rows cannot change under it.
 */
export class LockedAccounts {
  private readonly rows = new Map<string, Account | null>();

  constructor(readonly sql: Sql) {}

  async lock(accountId: string | undefined): Promise<Account | null> {
    if (!accountId) return null;
    if (!this.rows.has(accountId)) this.rows.set(accountId, await lockAccount(this.sql, accountId));
    return this.rows.get(accountId) ?? null;
  }

  /** A row the run has just locked and read itself (with its events, in one statement). */
  know(account: Account): void {
    this.rows.set(account.id, account);
  }

  /** The row was written: read it again next time. */
  forget(accountId: string): void {
    this.rows.delete(accountId);
  }

  /** Work was rolled back (a savepoint): every row is read again. */
  forgetAll(): void {
    this.rows.clear();
  }
}

/**
 * The account row as `row_to_json` gives it (a run reads it with its events in one statement): back to the
 * types a SELECT gives (instants, the BigInt).
 */
export function accountFromJson(row: Record<string, unknown>): Account {
  const at = (value: unknown) => (value === null || value === undefined ? null : new Date(String(value)));
  return {
    ...(row as unknown as Account),
    createdAt: at(row.createdAt)!,
    updatedAt: at(row.updatedAt)!,
    cancelledAt: at(row.cancelledAt),
    lastNoticeSeq:
      row.lastNoticeSeq === null || row.lastNoticeSeq === undefined ? null : BigInt(String(row.lastNoticeSeq)),
  };
}

/** Every column of an account row (see `columns`), for a statement that locks it with something else. */
export const ACCOUNT_ROW = ACCOUNT_COLUMNS;

/** The company's live (active or suspended) account for the product, if it has one. */
export async function findLiveAccountOfCompany(
  sql: Sql,
  companyUuid: string,
  applicationUuid: string,
): Promise<Account | null> {
  const [account] = await sql<Account>(Prisma.sql`
    SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE "liveCompanyUuid" = ${companyUuid} AND "applicationUuid" = ${applicationUuid}`);
  return account ?? null;
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

/**
 * Creates the account with its owner's seat, in one statement. It waits for its provisioning hook (`pending`)
 * before later events run.
 */
export async function createAccount(sql: Sql, account: NewAccount): Promise<void> {
  const now = new Date();
  await sql(Prisma.sql`
    WITH account AS (
      INSERT INTO accounts (id, "companyUuid", "liveCompanyUuid", "applicationUuid", "companyName", "companyExternalId",
        "companyEmail", "companyPhone", "companyWebsite", "companyCountry", "editionCode", "pricingDuration", "maxUsers",
        "orderItems", configuration, "marketplaceBaseUrl", "marketplacePartner", development, "provisioningStatus",
        "createdByEventToken", "createdAt", "updatedAt")
      VALUES (${account.id}, ${account.company.uuid}, ${account.company.uuid}, ${account.applicationUuid},
        ${account.company.name}, ${account.company.externalId}, ${account.company.email}, ${account.company.phone},
        ${account.company.website}, ${account.company.country}, ${account.editionCode}, ${account.pricingDuration},
        ${account.maxUsers}, ${JSON.stringify(account.orderItems)}::jsonb, ${JSON.stringify(account.configuration)}::jsonb,
        ${account.marketplaceBaseUrl}, ${account.marketplacePartner}, ${account.development}, 'pending',
        ${account.createdByEventToken}, ${now}, ${now})
      RETURNING id
    )
    INSERT INTO seats ("accountId", "userId", role, "assignedAt")
    SELECT id, ${account.ownerUserId}, 'owner', ${now} FROM account`);
}

export async function changePlan(accounts: LockedAccounts, accountId: string, plan: Plan): Promise<void> {
  accounts.forget(accountId);
  await accounts.sql(Prisma.sql`
    UPDATE accounts SET "editionCode" = ${plan.editionCode}, "pricingDuration" = ${plan.pricingDuration},
      "maxUsers" = ${plan.maxUsers}, "orderItems" = ${JSON.stringify(plan.orderItems)}::jsonb, "updatedAt" = ${new Date()}
    WHERE id = ${accountId}`);
}

/**
 * Moves the account to `status` (the lifecycle decided the move is allowed). A cancelled or closed
 * account is no longer its company's live account for the product: the company may order again.
 */
export async function setAccountStatus(
  accounts: LockedAccounts,
  account: Pick<Account, 'id' | 'companyUuid'>,
  status: AccountStatusName,
): Promise<void> {
  const now = new Date();
  accounts.forget(account.id);
  await accounts.sql(Prisma.sql`
    UPDATE accounts SET status = ${status}::"AccountStatus", "liveCompanyUuid" = ${isLive(status) ? account.companyUuid : null},
      "cancelledAt" = CASE WHEN ${status} = 'cancelled' THEN ${now}::timestamptz ELSE "cancelledAt" END, "updatedAt" = ${now}
    WHERE id = ${account.id}`);
}

export async function updateCompany(
  accounts: LockedAccounts,
  account: Account,
  company: { name: string; email?: string; phoneNumber?: string; website?: string; country?: string },
): Promise<void> {
  accounts.forget(account.id);
  await accounts.sql(Prisma.sql`
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
  sql: Sql,
  userId: string,
  companyUuid: string,
  applicationUuid: string,
): Promise<boolean> {
  const [row] = await sql<{ owns: boolean }>(Prisma.sql`
    SELECT EXISTS (
      SELECT 1 FROM seats s JOIN accounts a ON a.id = s."accountId"
      WHERE s."userId" = ${userId} AND s.role = 'owner' AND a."applicationUuid" = ${applicationUuid}
        AND a."liveCompanyUuid" IS NOT NULL AND a."companyUuid" <> ${companyUuid}
    ) AS owns`);
  return row?.owns ?? false;
}

/** Remembers the last notice applied to the account (see lastNoticeSeq). */
export async function recordNoticeApplied(
  accounts: LockedAccounts,
  accountId: string,
  eventSeq: bigint,
): Promise<void> {
  accounts.forget(accountId);
  await accounts.sql(
    Prisma.sql`UPDATE accounts SET "lastNoticeSeq" = ${eventSeq}, "updatedAt" = ${new Date()} WHERE id = ${accountId}`,
  );
}

/** The vendor's product has provisioned the account: its later events may run. */
export async function markProvisioned(
  accounts: Pick<LockedAccounts, 'sql' | 'forget'>,
  accountId: string,
): Promise<void> {
  accounts.forget(accountId);
  await accounts.sql(
    Prisma.sql`UPDATE accounts SET "provisioningStatus" = 'done', "updatedAt" = ${new Date()} WHERE id = ${accountId}`,
  );
}

/** The account's provisioning status (null: no such account). */
export async function provisioningStatusOf(sql: Sql, accountId: string): Promise<string | null> {
  const [account] = await sql<{ status: string }>(
    Prisma.sql`SELECT "provisioningStatus"::text AS status FROM accounts WHERE id = ${accountId}`,
  );
  return account?.status ?? null;
}

/**
 * The vendor's product chose its own identifier for a new account: the account takes it, and every row
 * naming the account follows (foreign keys ON UPDATE CASCADE). False when an account or add-on has it.
 */
export async function renameAccount(accounts: LockedAccounts, from: string, to: string): Promise<boolean> {
  accounts.forget(from);
  const [renamed] = await accounts.sql<{ id: string }>(Prisma.sql`
    UPDATE accounts SET id = ${to}, "updatedAt" = ${new Date()}
    WHERE id = ${from}
      AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = ${to})
      AND NOT EXISTS (SELECT 1 FROM addon_instances WHERE id = ${to})
    RETURNING id`);
  return renamed !== undefined;
}
