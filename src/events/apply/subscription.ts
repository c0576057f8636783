/** SUBSCRIPTION_ORDER / CHANGE / CANCEL / NOTICE. */
import { changePlan, createAccount, findAccountOfCompany, lockAccount, ownsActiveAccountElsewhere, setAccountStatus } from '../../accounts/accounts';
import { decide, type AccountAction } from '../../accounts/lifecycle';
import { seatsUsed, upsertUser } from '../../accounts/users';
import type { Prisma } from '../../db/client';
import { seatLimitOf } from '../schema';
import { cancelAddonIfAddon, orderAddon } from './addons';
import { fail, newIdentifier, ok, personArgs, type ApplyContext, type HookKind, type Outcome } from './outcome';

export async function subscriptionOrder(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const { company, order, account: accountRef } = document.payload;
  if (accountRef?.parentAccountIdentifier) return orderAddon(ctx, accountRef.parentAccountIdentifier, order);
  if (!company) return fail('INVALID_RESPONSE', 'The order carries no company (payload.company).');
  if (!document.creator) return fail('INVALID_RESPONSE', 'The order carries no creator.');
  const applicationUuid = document.applicationUuid ?? '';

  // Ordering the same company + application again returns the account we already have.
  const existing = await findAccountOfCompany(tx, company.uuid, applicationUuid);
  if (existing) return ok('This company already has an account; returning it.', { accountIdentifier: existing.id });

  const creator = await upsertUser(tx, document.creator);
  if (await ownsActiveAccountElsewhere(tx, creator.id, company.uuid, applicationUuid)) {
    return fail('USER_ALREADY_EXISTS', 'This user already owns another account with us; link the accounts instead.');
  }

  const accountId = newIdentifier('acct');
  const maxUsers = seatLimitOf(order);
  const editionCode = order?.editionCode ?? 'DEFAULT';
  await createAccount(tx, {
    id: accountId,
    company: {
      uuid: company.uuid,
      name: company.name,
      externalId: company.externalId ?? null,
      email: company.email ?? null,
      phone: company.phoneNumber ?? null,
      website: company.website ?? null,
      country: company.country ?? null,
    },
    applicationUuid,
    editionCode,
    pricingDuration: order?.pricingDuration ?? null,
    maxUsers: maxUsers ?? null,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
    configuration: document.payload.configuration as Prisma.InputJsonObject,
    marketplaceBaseUrl: document.marketplace.baseUrl,
    marketplacePartner: document.marketplace.partner ?? null,
    development: ctx.development,
    createdByEventToken: ctx.token,
    ownerUserId: creator.id,
  });
  return ok('Account created.', {
    accountIdentifier: accountId,
    hooks: [
      {
        kind: 'accountCreated',
        accountId,
        args: {
          accountIdentifier: accountId,
          company: { uuid: company.uuid, name: company.name },
          editionCode,
          maxUsers: maxUsers ?? null,
          owner: personArgs(document.creator),
          configuration: document.payload.configuration as Prisma.InputJsonObject,
        },
      },
    ],
  });
}

export async function subscriptionChange(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const account = await lockAccount(tx, document.payload.account?.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const allowed = decide('change', account.status);
  if (!allowed.allowed) return fail(allowed.code, allowed.message);
  const order = document.payload.order;
  const maxUsers = seatLimitOf(order);
  const used = await seatsUsed(tx, account.id);
  if (maxUsers !== undefined && used > maxUsers) {
    const excess = used - maxUsers;
    return fail('FORBIDDEN', `${used} users are assigned but the new plan has ${maxUsers} seats: unassign ${excess} user(s) first.`);
  }
  const editionCode = order?.editionCode ?? account.editionCode;
  await changePlan(tx, account.id, {
    editionCode,
    pricingDuration: order?.pricingDuration ?? account.pricingDuration,
    maxUsers: maxUsers ?? null,
    orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
  });
  return ok('Subscription changed.', {
    hooks: [{ kind: 'accountChanged', accountId: account.id, args: { accountIdentifier: account.id, editionCode, maxUsers: maxUsers ?? null } }],
  });
}

export async function subscriptionCancel(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const identifier = document.payload.account?.accountIdentifier;
  const addonOutcome = await cancelAddonIfAddon(ctx, identifier);
  if (addonOutcome) return addonOutcome;
  const account = await lockAccount(tx, identifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const move = decide('cancel', account.status);
  if (!move.allowed) return fail(move.code, move.message);
  if (move.noChange) return ok('The subscription was already cancelled.');
  await setAccountStatus(tx, account.id, move.to);
  return ok('Subscription cancelled; its data is kept.', {
    hooks: [{ kind: 'accountCancelled', accountId: account.id, args: { accountIdentifier: account.id } }],
  });
}

/** What each notice asks of the account, and what the product is told. */
const NOTICE_EFFECT: ReadonlyMap<string, { action: AccountAction; hook: HookKind; message: string }> = new Map([
  ['DEACTIVATED', { action: 'suspend', hook: 'accountSuspended', message: 'Subscription suspended.' }],
  ['REACTIVATED', { action: 'reactivate', hook: 'accountReactivated', message: 'Subscription reactivated.' }],
  ['CLOSED', { action: 'close', hook: 'accountClosed', message: 'Subscription closed.' }],
]);

export async function subscriptionNotice(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const account = await lockAccount(tx, document.payload.account?.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const noticeType = document.payload.notice?.type ?? '';
  if (noticeType === 'UPCOMING_INVOICE') return ok('Upcoming invoice noted.');
  const effect = NOTICE_EFFECT.get(noticeType);
  if (!effect) return fail('CONFIGURATION_ERROR', `Notice type '${noticeType || '(none)'}' is not supported.`);
  const move = decide(effect.action, account.status);
  if (!move.allowed) return fail(move.code, move.message);
  if (!move.noChange) await setAccountStatus(tx, account.id, move.to);
  return ok(effect.message, { hooks: [{ kind: effect.hook, accountId: account.id, args: { accountIdentifier: account.id } }] });
}
