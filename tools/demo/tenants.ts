/**
 * The end of the demo: the example product's tenants, as it heard of them over signed webhooks, side by
 * side with the service's own accounts (read through the product API). A difference means the product
 * missed or misread a call, which the demo says rather than hides.
 */
import type { Tenant } from '../../examples/product/app';

/** The part of GET /product/api/accounts/{id} the comparison reads. */
export interface ServiceAccount {
  readonly status: string;
  readonly editionCode: string;
  readonly maxUsers: number | null;
  readonly users: ReadonlyArray<{ readonly email: string }>;
}

/** How `tenant` differs from the service's `account` (empty: they agree). */
export function tenantDifferences(tenant: Tenant, account: ServiceAccount | null): string[] {
  if (account === null) return [`${tenant.id}: the service has no such account`];
  const differences: string[] = [];
  const compare = (what: string, product: unknown, service: unknown) => {
    if (product !== service) differences.push(`${tenant.id} ${what}: product ${product}, service ${service}`);
  };
  compare('status', tenant.status, account.status);
  compare('edition', tenant.edition, account.editionCode);
  compare('seats', tenant.maxUsers, account.maxUsers);
  compare(
    'users',
    [...tenant.users].sort().join(', '),
    account.users
      .map((user) => user.email)
      .sort()
      .join(', '),
  );
  return differences;
}

/** One line per tenant: id, company, edition, seats, status, users. */
export function tenantLine(tenant: Tenant): string {
  const seats = tenant.maxUsers === null ? 'unlimited' : `${tenant.maxUsers} seat${tenant.maxUsers === 1 ? '' : 's'}`;
  return `  ${tenant.id.padEnd(16)} ${tenant.companyName.padEnd(10)} ${tenant.edition.padEnd(11)} ${seats.padEnd(10)} ${tenant.status.padEnd(10)} ${[...tenant.users].join(', ')}`;
}

/** Reads the service's view of `accountIdentifier` through the product API (null: not found). */
export async function serviceAccount(
  serviceUrl: string,
  token: string,
  accountIdentifier: string,
): Promise<ServiceAccount | null> {
  const response = await fetch(`${serviceUrl}/product/api/accounts/${encodeURIComponent(accountIdentifier)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`product API answered ${response.status} for ${accountIdentifier}`);
  return (await response.json()) as ServiceAccount;
}
