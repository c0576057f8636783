/** Add-ons: legacy ADDON_* events and SUBSCRIPTION_ORDER/CANCEL carrying parentAccountIdentifier. */
import { lockAccount } from '../../accounts/accounts';
import { bindAddon, cancelAddon, changeAddon, createAddon, findAddon, findBinding, unbindAddon } from '../../accounts/addons';
import { upsertUser } from '../../accounts/users';
import type { Prisma } from '../../db/client';
import type { OrderInfo } from '../schema';
import { fail, newIdentifier, ok, type ApplyContext, type Outcome } from './outcome';

export async function orderAddon(ctx: ApplyContext, parentAccountId: string | undefined, order: OrderInfo | undefined): Promise<Outcome> {
  const account = await lockAccount(ctx.tx, parentAccountId);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const offeringCode = order?.addonOfferingCode ?? order?.editionCode;
  if (!offeringCode) return fail('INVALID_RESPONSE', 'The add-on order names no offering (order.addonOfferingCode or order.editionCode).');
  const id = newIdentifier('addon');
  await createAddon(ctx.tx, {
    id,
    accountId: account.id,
    offeringCode,
    pricingDuration: order?.pricingDuration ?? null,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
    createdByEventToken: ctx.token,
  });
  return ok('Add-on ordered.', {
    accountIdentifier: id,
    hooks: [{ kind: 'addonOrdered', accountId: account.id, args: { accountIdentifier: account.id, addonInstanceId: id, offeringCode } }],
  });
}

/** SUBSCRIPTION_CANCEL of an add-on subscription (its identifier is one of our add-on ids); null when it is not one. */
export async function cancelAddonIfAddon(ctx: ApplyContext, identifier: string | undefined): Promise<Outcome | null> {
  const addon = await findAddon(ctx.tx, identifier);
  return addon ? cancelAddonInstance(ctx, addon.id) : null;
}

async function cancelAddonInstance(ctx: ApplyContext, addonId: string | undefined): Promise<Outcome> {
  const addon = await findAddon(ctx.tx, addonId);
  if (!addon) return fail('BINDING_NOT_FOUND', 'This add-on was not found.');
  if (addon.status === 'cancelled') return ok('The add-on was already cancelled.');
  await cancelAddon(ctx.tx, addon.id);
  return ok('Add-on cancelled.', {
    hooks: [{ kind: 'addonCancelled', accountId: addon.accountId, args: { accountIdentifier: addon.accountId, addonInstanceId: addon.id } }],
  });
}

export const addonOrder = (ctx: ApplyContext): Promise<Outcome> =>
  orderAddon(ctx, ctx.document.payload.account?.accountIdentifier, ctx.document.payload.order);

export const addonCancel = (ctx: ApplyContext): Promise<Outcome> => cancelAddonInstance(ctx, ctx.document.payload.addonInstance?.id);

export async function addonChange(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const addon = await findAddon(tx, document.payload.addonInstance?.id);
  if (!addon || addon.status !== 'active') return fail('BINDING_NOT_FOUND', 'This add-on was not found.');
  const order = document.payload.order;
  await changeAddon(tx, addon.id, {
    offeringCode: order?.addonOfferingCode ?? order?.editionCode ?? addon.offeringCode,
    pricingDuration: order?.pricingDuration ?? addon.pricingDuration,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
  });
  return ok('Add-on changed.', {
    hooks: [{ kind: 'addonChanged', accountId: addon.accountId, args: { accountIdentifier: addon.accountId, addonInstanceId: addon.id } }],
  });
}

export async function addonBind(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const addon = await findAddon(tx, document.payload.addonInstance?.id);
  if (!addon || addon.status !== 'active') return fail('BINDING_NOT_FOUND', 'This add-on was not found.');
  const user = document.payload.user ? await upsertUser(tx, document.payload.user) : null;
  const bindingId = document.payload.addonBinding?.id ?? newIdentifier('bind');
  await bindAddon(tx, { id: bindingId, addonInstanceId: addon.id, userId: user?.id ?? null });
  return ok('Add-on bound.', {
    accountIdentifier: bindingId,
    hooks: [{ kind: 'addonBound', accountId: addon.accountId, args: { addonInstanceId: addon.id, bindingId, userUuid: document.payload.user?.uuid ?? null } }],
  });
}

export async function addonUnbind(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const binding = await findBinding(tx, document.payload.addonBinding?.id);
  if (!binding || binding.unboundAt) return fail('BINDING_NOT_FOUND');
  await unbindAddon(tx, binding.id);
  const addon = (await findAddon(tx, binding.addonInstanceId))!; // a binding's add-on always exists (foreign key)
  return ok('Add-on unbound.', {
    hooks: [{ kind: 'addonUnbound', accountId: addon.accountId, args: { addonInstanceId: addon.id, bindingId: binding.id } }],
  });
}
