/**
 * An account brought in by AppDirect's migration: a customer the vendor already serves, now sold through the
 * marketplace. Unlike an ORDER's account it has no owner seat (the migration names no user) and is provisioned
 * already (the product serves it). Part of the account store (src/accounts writes the accounts table).
 */
import type { Prisma } from '../db/client';

export interface MigratedAccount {
  readonly id: string;
  readonly companyUuid: string;
  readonly companyName: string;
  /** The vendor's own identifier of the customer. */
  readonly tenantIdentifier: string;
  readonly applicationUuid: string;
  readonly editionCode: string;
  readonly maxUsers: number | null;
  readonly orderItems: ReadonlyArray<{ unit: string; quantity: number }>;
  readonly marketplaceBaseUrl: string;
  readonly partner: string | null;
  /** What created it, in place of an event token (`migration:<partner>:<subscriptionIdentifier>`). */
  readonly createdBy: string;
}

export type Conflict = 'identifier_taken' | 'company_has_live_account';

/** Creates the account in `tx`; a conflict with an account already held is a value, not a failure. */
export async function createMigratedAccount(
  tx: Prisma.TransactionClient,
  account: MigratedAccount,
): Promise<Conflict | null> {
  if (await tx.account.findUnique({ where: { id: account.id }, select: { id: true } })) return 'identifier_taken';
  const live = await tx.account.findFirst({
    where: { liveCompanyUuid: account.companyUuid, applicationUuid: account.applicationUuid },
    select: { id: true },
  });
  if (live) return 'company_has_live_account';
  await tx.account.create({
    data: {
      id: account.id,
      companyUuid: account.companyUuid,
      liveCompanyUuid: account.companyUuid,
      applicationUuid: account.applicationUuid,
      companyName: account.companyName,
      companyExternalId: account.tenantIdentifier,
      editionCode: account.editionCode,
      maxUsers: account.maxUsers,
      orderItems: account.orderItems as Prisma.InputJsonArray,
      marketplaceBaseUrl: account.marketplaceBaseUrl,
      marketplacePartner: account.partner,
      provisioningStatus: 'done',
      createdByEventToken: account.createdBy,
    },
  });
  return null;
}
