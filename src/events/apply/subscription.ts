/** SUBSCRIPTION_ORDER / CHANGE / CANCEL / NOTICE. */
import type { Prisma } from '../../db/client';
import { seatLimitOf } from '../schema';
import { orderAddon, cancelAddonIfAddon } from './addons';
import { fail, newIdentifier, ok, type ApplyContext, type Outcome } from './outcome';
import { lockAccount, personArgs, seatsUsed, upsertUser } from './store';

export async function subscriptionOrder(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const { company, order, account: accountRef } = document.payload;
  if (accountRef?.parentAccountIdentifier) return orderAddon(ctx, accountRef.parentAccountIdentifier, order);
  if (!company) return fail('INVALID_RESPONSE', 'The order carries no company (payload.company).');
  if (!document.creator) return fail('INVALID_RESPONSE', 'The order carries no creator.');
  const applicationUuid = document.applicationUuid ?? '';

  // Ordering the same company + application again returns the account we already have.
  const existing = await tx.account.findUnique({ where: { companyUuid_applicationUuid: { companyUuid: company.uuid, applicationUuid } } });
  if (existing) return ok('This company already has an account; returning it.', { accountIdentifier: existing.id });

  const creator = await upsertUser(tx, document.creator);
  const ownsAnother = await tx.seat.findFirst({
    where: { userId: creator.id, role: 'owner', account: { status: 'active', NOT: { companyUuid: company.uuid, applicationUuid } } },
  });
  if (ownsAnother) return fail('USER_ALREADY_EXISTS', 'This user already owns another account with us; link the accounts instead.');

  const accountId = newIdentifier('acct');
  const maxUsers = seatLimitOf(order);
  await tx.account.create({
    data: {
      id: accountId,
      companyUuid: company.uuid,
      applicationUuid,
      companyName: company.name,
      companyExternalId: company.externalId ?? null,
      companyEmail: company.email ?? null,
      companyPhone: company.phoneNumber ?? null,
      companyWebsite: company.website ?? null,
      companyCountry: company.country ?? null,
      editionCode: order?.editionCode ?? 'DEFAULT',
      pricingDuration: order?.pricingDuration ?? null,
      maxUsers: maxUsers ?? null,
      orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
      configuration: document.payload.configuration as Prisma.InputJsonObject,
      marketplaceBaseUrl: document.marketplace.baseUrl,
      marketplacePartner: document.marketplace.partner ?? null,
      development: ctx.development,
      // Later events for the account wait (PENDING) until the vendor hook has provisioned it.
      provisioningStatus: 'pending',
      createdByEventToken: ctx.token,
      seats: { create: { userId: creator.id, role: 'owner' } },
    },
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
          editionCode: order?.editionCode ?? 'DEFAULT',
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
  if (account.status === 'cancelled' || account.status === 'closed') {
    return fail('FORBIDDEN', `The subscription is ${account.status}; it cannot be changed.`);
  }
  const order = document.payload.order;
  const maxUsers = seatLimitOf(order);
  const used = await seatsUsed(tx, account.id);
  if (maxUsers !== undefined && used > maxUsers) {
    const excess = used - maxUsers;
    return fail('FORBIDDEN', `${used} users are assigned but the new plan has ${maxUsers} seats: unassign ${excess} user(s) first.`);
  }
  await tx.account.update({
    where: { id: account.id },
    data: {
      editionCode: order?.editionCode ?? account.editionCode,
      pricingDuration: order?.pricingDuration ?? account.pricingDuration,
      maxUsers: maxUsers ?? null,
      orderItems: (order?.items ?? []) as Prisma.InputJsonArray,
    },
  });
  return ok('Subscription changed.', {
    hooks: [{ kind: 'accountChanged', accountId: account.id, args: { accountIdentifier: account.id, editionCode: order?.editionCode ?? account.editionCode, maxUsers: maxUsers ?? null } }],
  });
}

export async function subscriptionCancel(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const identifier = document.payload.account?.accountIdentifier;
  const addonOutcome = await cancelAddonIfAddon(ctx, identifier);
  if (addonOutcome) return addonOutcome;
  const account = await lockAccount(tx, identifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  if (account.status === 'cancelled') return ok('The subscription was already cancelled.');
  await tx.account.update({ where: { id: account.id }, data: { status: 'cancelled', cancelledAt: new Date() } });
  return ok('Subscription cancelled; its data is kept.', {
    hooks: [{ kind: 'accountCancelled', accountId: account.id, args: { accountIdentifier: account.id } }],
  });
}

const NOTICE_EFFECT = {
  DEACTIVATED: { status: 'suspended', hook: 'accountSuspended', message: 'Subscription suspended.' },
  REACTIVATED: { status: 'active', hook: 'accountReactivated', message: 'Subscription reactivated.' },
  CLOSED: { status: 'closed', hook: 'accountClosed', message: 'Subscription closed.' },
} as const;

export async function subscriptionNotice(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const account = await lockAccount(tx, document.payload.account?.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const noticeType = document.payload.notice?.type ?? '';
  if (noticeType === 'UPCOMING_INVOICE') return ok('Upcoming invoice noted.');
  const effect = NOTICE_EFFECT[noticeType as keyof typeof NOTICE_EFFECT];
  if (!effect) return fail('CONFIGURATION_ERROR', `Notice type '${noticeType || '(none)'}' is not supported.`);
  if (account.status !== effect.status) {
    await tx.account.update({ where: { id: account.id }, data: { status: effect.status } });
  }
  return ok(effect.message, { hooks: [{ kind: effect.hook, accountId: account.id, args: { accountIdentifier: account.id } }] });
}
