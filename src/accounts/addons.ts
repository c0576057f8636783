/** Add-ons bought on top of an account, and their bindings to users. */
import type { AddonBinding, AddonInstance, Prisma } from '../db/client';

export function findAddon(tx: Prisma.TransactionClient, id: string | undefined): Promise<AddonInstance | null> {
  return id ? tx.addonInstance.findUnique({ where: { id } }) : Promise.resolve(null);
}

export async function createAddon(
  tx: Prisma.TransactionClient,
  addon: {
    id: string;
    accountId: string;
    offeringCode: string;
    pricingDuration: string | null;
    orderItems: Prisma.InputJsonArray;
    createdByEventToken: string;
  },
): Promise<void> {
  await tx.addonInstance.create({ data: addon });
}

export async function changeAddon(
  tx: Prisma.TransactionClient,
  id: string,
  change: { offeringCode: string; pricingDuration: string | null; orderItems: Prisma.InputJsonArray },
): Promise<void> {
  await tx.addonInstance.update({ where: { id }, data: change });
}

export async function cancelAddon(tx: Prisma.TransactionClient, id: string): Promise<void> {
  await tx.addonInstance.update({ where: { id }, data: { status: 'cancelled', cancelledAt: new Date() } });
}

export function findBinding(tx: Prisma.TransactionClient, id: string | undefined): Promise<AddonBinding | null> {
  return id ? tx.addonBinding.findUnique({ where: { id } }) : Promise.resolve(null);
}

/** Binds the add-on (to a user, when the event names one); binding again revives an unbound binding. */
export async function bindAddon(
  tx: Prisma.TransactionClient,
  binding: { id: string; addonInstanceId: string; userId: string | null },
): Promise<void> {
  await tx.addonBinding.upsert({ where: { id: binding.id }, create: binding, update: { unboundAt: null } });
}

export async function unbindAddon(tx: Prisma.TransactionClient, id: string): Promise<void> {
  await tx.addonBinding.update({ where: { id }, data: { unboundAt: new Date() } });
}
