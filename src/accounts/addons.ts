/** Add-ons bought on top of an account, and their bindings to users. Plain SQL on the event's transaction. */
import { columns, Prisma, type AddonBinding, type AddonInstance } from '../db/client';
import type { Sql } from '../db/sql';

const ADDON_COLUMNS = columns(Prisma.AddonInstanceScalarFieldEnum);
const BINDING_COLUMNS = columns(Prisma.AddonBindingScalarFieldEnum);

/** The add-on, row-locked (its account is locked too: the add-on's changes are decided under that lock). */
export async function findAddon(sql: Sql, id: string | undefined): Promise<AddonInstance | null> {
  if (!id) return null;
  const [addon] = await sql<AddonInstance>(
    Prisma.sql`SELECT ${ADDON_COLUMNS} FROM addon_instances WHERE id = ${id} FOR UPDATE`,
  );
  return addon ?? null;
}

export async function createAddon(
  sql: Sql,
  addon: {
    id: string;
    accountId: string;
    offeringCode: string;
    pricingDuration: string | null;
    orderItems: Prisma.InputJsonArray;
    createdByEventToken: string;
  },
): Promise<void> {
  const now = new Date();
  await sql(Prisma.sql`
    INSERT INTO addon_instances (id, "accountId", "offeringCode", "pricingDuration", "orderItems", "createdByEventToken",
      "createdAt", "updatedAt")
    VALUES (${addon.id}, ${addon.accountId}, ${addon.offeringCode}, ${addon.pricingDuration},
      ${JSON.stringify(addon.orderItems)}::jsonb, ${addon.createdByEventToken}, ${now}, ${now})`);
}

export async function changeAddon(
  sql: Sql,
  id: string,
  change: { offeringCode: string; pricingDuration: string | null; orderItems: Prisma.InputJsonArray },
): Promise<void> {
  await sql(Prisma.sql`
    UPDATE addon_instances SET "offeringCode" = ${change.offeringCode}, "pricingDuration" = ${change.pricingDuration},
      "orderItems" = ${JSON.stringify(change.orderItems)}::jsonb, "updatedAt" = ${new Date()}
    WHERE id = ${id}`);
}

export async function cancelAddon(sql: Sql, id: string): Promise<void> {
  const now = new Date();
  await sql(Prisma.sql`
    UPDATE addon_instances SET status = 'cancelled', "cancelledAt" = ${now}, "updatedAt" = ${now} WHERE id = ${id}`);
}

export async function findBinding(sql: Sql, id: string | undefined): Promise<AddonBinding | null> {
  if (!id) return null;
  const [binding] = await sql<AddonBinding>(
    Prisma.sql`SELECT ${BINDING_COLUMNS} FROM addon_bindings WHERE id = ${id} FOR UPDATE`,
  );
  return binding ?? null;
}

/** Binds the add-on (to a user, when the event names one); binding again revives an unbound binding. */
export async function bindAddon(
  sql: Sql,
  binding: { id: string; addonInstanceId: string; userId: string | null },
): Promise<void> {
  await sql(Prisma.sql`
    INSERT INTO addon_bindings (id, "addonInstanceId", "userId", "createdAt")
    VALUES (${binding.id}, ${binding.addonInstanceId}, ${binding.userId}, ${new Date()})
    ON CONFLICT (id) DO UPDATE SET "unboundAt" = NULL`);
}

export async function unbindAddon(sql: Sql, id: string): Promise<void> {
  await sql(Prisma.sql`UPDATE addon_bindings SET "unboundAt" = ${new Date()} WHERE id = ${id}`);
}
