/**
 * Add-ons: legacy ADDON_* events and SUBSCRIPTION_ORDER/CANCEL carrying parentAccountIdentifier. An
 * add-on is always handled through the subscription it belongs to: the event must name that account, the
 * account's state must allow it, and an add-on (or binding) of another account is not found there.
 */
import {
  bindAddon,
  cancelAddon,
  changeAddon,
  createAddon,
  findAddon,
  findBinding,
  unbindAddon,
} from '../../accounts/addons';
import type { AccountAction } from '../../accounts/lifecycle';
import { upsertUser } from '../../accounts/users';
import type { Account, AddonInstance, Prisma } from '../../db/client';
import type { DocumentOf, OrderInfo } from '../schema';
import { decideFor, fail, lockedAccount, newIdentifier, ok, type ApplyContext, type Outcome } from './outcome';

const notOnAccount = (accountId: string) =>
  fail('BINDING_NOT_FOUND', `This add-on was not found on subscription ${accountId}.`);

/** The parent account named by the event, locked, if its state allows `action`; else the outcome to report. */
async function parentAccount(
  ctx: ApplyContext,
  accountId: string | undefined,
  action: AccountAction,
): Promise<Account | Outcome> {
  if (!accountId)
    return fail('INVALID_RESPONSE', 'The event names no subscription (payload.account.accountIdentifier).');
  const account = await lockedAccount(ctx, accountId);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const allowed = decideFor(ctx, account, action);
  return allowed.allowed ? account : fail(allowed.code, allowed.message);
}

const isOutcome = <T extends object>(value: T | Outcome): value is Outcome => 'success' in value;

/** The add-on named by the event, when it belongs to `account`. */
async function addonOf(ctx: ApplyContext, account: Account): Promise<AddonInstance | Outcome> {
  const addon = await findAddon(ctx.sql, ctx.document.payload.addonInstance?.id);
  return addon && addon.accountId === account.id ? addon : notOnAccount(account.id);
}

export async function orderAddon(
  ctx: ApplyContext,
  parentAccountId: string | undefined,
  order: OrderInfo | undefined,
): Promise<Outcome> {
  const account = await parentAccount(ctx, parentAccountId, 'orderAddon');
  if (isOutcome(account)) return account;
  // A v2 add-on order names the buying company: it must be the parent's.
  const company = ctx.document.payload.company;
  if (company && company.uuid !== account.companyUuid)
    return fail('ACCOUNT_NOT_FOUND', `This company has no subscription ${account.id}.`);
  const offeringCode = order?.addonOfferingCode ?? order?.editionCode;
  if (!offeringCode)
    return fail(
      'INVALID_RESPONSE',
      'The add-on order names no offering (order.addonOfferingCode or order.editionCode).',
    );
  const id = newIdentifier('addon');
  await createAddon(ctx.sql, {
    id,
    accountId: account.id,
    offeringCode,
    pricingDuration: order?.pricingDuration ?? null,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
    createdByEventToken: ctx.token,
  });
  return ok('Add-on ordered.', {
    accountIdentifier: id,
    hooks: [
      {
        kind: 'addonOrdered',
        accountId: account.id,
        args: { accountIdentifier: account.id, addonInstanceId: id, offeringCode },
      },
    ],
  });
}

/**
 * SUBSCRIPTION_CANCEL of an add-on subscription (its identifier is one of our add-on ids, the parent in
 * parentAccountIdentifier when given); null when the identifier is not an add-on.
 */
export async function cancelAddonIfAddon(ctx: ApplyContext, identifier: string | undefined): Promise<Outcome | null> {
  const addon = await findAddon(ctx.sql, identifier);
  if (!addon) return null;
  const parent = ctx.document.payload.account?.parentAccountIdentifier ?? addon.accountId;
  if (parent !== addon.accountId) return notOnAccount(parent);
  const account = await parentAccount(ctx, parent, 'cancelAddon');
  return isOutcome(account) ? account : cancelAddonInstance(ctx, addon);
}

async function cancelAddonInstanceOf(ctx: ApplyContext): Promise<Outcome> {
  const account = await parentAccount(ctx, ctx.document.payload.account?.accountIdentifier, 'cancelAddon');
  if (isOutcome(account)) return account;
  const addon = await addonOf(ctx, account);
  return isOutcome(addon) ? addon : cancelAddonInstance(ctx, addon);
}

async function cancelAddonInstance(ctx: ApplyContext, addon: AddonInstance): Promise<Outcome> {
  if (addon.status === 'cancelled') return ok('The add-on was already cancelled.');
  await cancelAddon(ctx.sql, addon.id);
  return ok('Add-on cancelled.', {
    hooks: [
      {
        kind: 'addonCancelled',
        accountId: addon.accountId,
        args: { accountIdentifier: addon.accountId, addonInstanceId: addon.id },
      },
    ],
  });
}

export const addonOrder = (ctx: ApplyContext<DocumentOf<'ADDON_ORDER'>>): Promise<Outcome> =>
  orderAddon(ctx, ctx.document.payload.account.accountIdentifier, ctx.document.payload.order);

export const addonCancel = (ctx: ApplyContext<DocumentOf<'ADDON_CANCEL'>>): Promise<Outcome> =>
  cancelAddonInstanceOf(ctx);

export async function addonChange(ctx: ApplyContext<DocumentOf<'ADDON_CHANGE'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const account = await parentAccount(ctx, document.payload.account.accountIdentifier, 'changeAddon');
  if (isOutcome(account)) return account;
  const addon = await addonOf(ctx, account);
  if (isOutcome(addon)) return addon;
  if (addon.status !== 'active') return fail('BINDING_NOT_FOUND', 'This add-on was cancelled.');
  const order = document.payload.order;
  await changeAddon(sql, addon.id, {
    offeringCode: order?.addonOfferingCode ?? order?.editionCode ?? addon.offeringCode,
    pricingDuration: order?.pricingDuration ?? addon.pricingDuration,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
  });
  return ok('Add-on changed.', {
    hooks: [
      {
        kind: 'addonChanged',
        accountId: addon.accountId,
        args: { accountIdentifier: addon.accountId, addonInstanceId: addon.id },
      },
    ],
  });
}

export async function addonBind(ctx: ApplyContext<DocumentOf<'ADDON_BIND'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const account = await parentAccount(ctx, document.payload.account.accountIdentifier, 'changeAddon');
  if (isOutcome(account)) return account;
  const addon = await addonOf(ctx, account);
  if (isOutcome(addon)) return addon;
  if (addon.status !== 'active') return fail('BINDING_NOT_FOUND', 'This add-on was cancelled.');
  const bindingId = document.payload.addonBinding?.id ?? newIdentifier('bind');
  const existing = await findBinding(sql, bindingId);
  if (existing && existing.addonInstanceId !== addon.id)
    return fail('FORBIDDEN', `Binding ${bindingId} belongs to another add-on.`);
  const user = document.payload.user ? await upsertUser(sql, document.payload.user) : null;
  await bindAddon(sql, { id: bindingId, addonInstanceId: addon.id, userId: user?.id ?? null });
  return ok('Add-on bound.', {
    accountIdentifier: bindingId,
    hooks: [
      {
        kind: 'addonBound',
        accountId: addon.accountId,
        args: { addonInstanceId: addon.id, bindingId, userUuid: document.payload.user?.uuid ?? null },
      },
    ],
  });
}

export async function addonUnbind(ctx: ApplyContext<DocumentOf<'ADDON_UNBIND'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const account = await parentAccount(ctx, document.payload.account.accountIdentifier, 'cancelAddon');
  if (isOutcome(account)) return account;
  const binding = await findBinding(sql, document.payload.addonBinding.id);
  const addon = binding ? await findAddon(sql, binding.addonInstanceId) : null;
  const named = document.payload.addonInstance?.id;
  if (
    !binding ||
    !addon ||
    binding.unboundAt ||
    addon.accountId !== account.id ||
    (named !== undefined && named !== addon.id)
  ) {
    return fail('BINDING_NOT_FOUND');
  }
  await unbindAddon(sql, binding.id);
  return ok('Add-on unbound.', {
    hooks: [
      { kind: 'addonUnbound', accountId: addon.accountId, args: { addonInstanceId: addon.id, bindingId: binding.id } },
    ],
  });
}
