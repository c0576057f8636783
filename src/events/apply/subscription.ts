/** SUBSCRIPTION_ORDER / CHANGE / CANCEL / NOTICE. */
import {
  changePlan,
  createAccount,
  findLiveAccountOfCompany,
  ownsProductForAnotherCompany,
  recordNoticeApplied,
  setAccountStatus,
} from '../../accounts/accounts';
import { seatChangeRefusal, type AccountAction } from '../../accounts/lifecycle';
import { seatsUsed, upsertUser } from '../../accounts/users';
import type { Prisma } from '../../db/client';
import { seatLimitOf, type DocumentOf } from '../schema';
import { cancelAddonIfAddon, orderAddon } from './addons';
import {
  decideFor,
  fail,
  lockedAccount,
  newIdentifier,
  ok,
  personArgs,
  type ApplyContext,
  type HookKind,
  type Outcome,
} from './outcome';

export async function subscriptionOrder(ctx: ApplyContext<DocumentOf<'SUBSCRIPTION_ORDER'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const { company, order, account: accountRef } = document.payload;
  if (accountRef?.parentAccountIdentifier) return orderAddon(ctx, accountRef.parentAccountIdentifier, order);
  if (!company) return fail('INVALID_RESPONSE', 'The order carries no company (payload.company).');
  if (!document.creator) return fail('INVALID_RESPONSE', 'The order carries no creator.');
  const applicationUuid = document.applicationUuid ?? '';

  // The same company ordering the same product while its account is live gets that account again (a
  // repeated ORDER); after a cancellation the order is a re-subscription: a new account (the old one and
  // its history stay as they are, and late events naming it cannot touch the new one).
  const live = await findLiveAccountOfCompany(sql, company.uuid, applicationUuid);
  if (live) return ok('This company already has an account; returning it.', { accountIdentifier: live.id });

  const creator = await upsertUser(sql, document.creator);
  if (await ownsProductForAnotherCompany(sql, creator.id, company.uuid, applicationUuid)) {
    return fail(
      'USER_ALREADY_EXISTS',
      'This user already has this product with us for another company; link the accounts instead.',
    );
  }

  const accountId = newIdentifier('acct');
  const maxUsers = seatLimitOf(order);
  const editionCode = order?.editionCode ?? 'DEFAULT';
  await createAccount(sql, {
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

/**
 * SUBSCRIPTION_CHANGE keeps what it does not state: without an order nothing of the plan changes; an
 * edition or billing period left out is kept; order lines replace the lines of the same unit and keep the
 * others; the seat limit changes only when a USER line is stated.
 */
export async function subscriptionChange(ctx: ApplyContext<DocumentOf<'SUBSCRIPTION_CHANGE'>>): Promise<Outcome> {
  const { document } = ctx;
  const account = await lockedAccount(ctx, document.payload.account.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const allowed = decideFor(ctx, account, 'change');
  if (!allowed.allowed) return fail(allowed.code, allowed.message);
  const order = document.payload.order;
  const stated = seatLimitOf(order);
  const maxUsers = stated === undefined ? account.maxUsers : stated;
  const tooFew = seatChangeRefusal(await seatsUsed(ctx.sql, account.id), maxUsers);
  if (tooFew) return fail('FORBIDDEN', tooFew);
  const editionCode = order?.editionCode ?? account.editionCode;
  await changePlan(ctx.accounts, account.id, {
    editionCode,
    pricingDuration: order?.pricingDuration ?? account.pricingDuration,
    maxUsers,
    orderItems: mergeOrderItems(account.orderItems, order?.items ?? []) as Prisma.InputJsonArray,
  });
  return ok('Subscription changed.', {
    hooks: [
      { kind: 'accountChanged', accountId: account.id, args: { accountIdentifier: account.id, editionCode, maxUsers } },
    ],
  });
}

/** Order lines after a change: a stated line replaces the current line of its unit; the others stay. */
export function mergeOrderItems(
  current: unknown,
  stated: ReadonlyArray<{ unit: string; quantity: number }>,
): Array<{ unit: string; quantity: number }> {
  const lines = new Map<string, { unit: string; quantity: number }>();
  for (const line of Array.isArray(current) ? current : []) {
    const item = line as { unit?: unknown; quantity?: unknown };
    if (typeof item.unit === 'string' && typeof item.quantity === 'number')
      lines.set(item.unit.toUpperCase(), { unit: item.unit, quantity: item.quantity });
  }
  for (const line of stated) lines.set(line.unit.toUpperCase(), { unit: line.unit, quantity: line.quantity });
  return [...lines.values()];
}

export async function subscriptionCancel(ctx: ApplyContext<DocumentOf<'SUBSCRIPTION_CANCEL'>>): Promise<Outcome> {
  const identifier = ctx.document.payload.account.accountIdentifier;
  const addonOutcome = await cancelAddonIfAddon(ctx, identifier);
  if (addonOutcome) return addonOutcome;
  const account = await lockedAccount(ctx, identifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const move = decideFor(ctx, account, 'cancel');
  if (!move.allowed) return fail(move.code, move.message);
  if (move.noChange) return ok(`The subscription was already ${account.status}.`);
  await setAccountStatus(ctx.accounts, account, move.to);
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

export async function subscriptionNotice(ctx: ApplyContext<DocumentOf<'SUBSCRIPTION_NOTICE'>>): Promise<Outcome> {
  const { document } = ctx;
  const account = await lockedAccount(ctx, document.payload.account.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const noticeType = document.payload.notice.type;
  // Changes nothing here; the product is told, so it reports the account's usage before AppDirect invoices.
  if (noticeType === 'UPCOMING_INVOICE')
    return ok('Upcoming invoice noted.', {
      hooks: [
        {
          kind: 'upcomingInvoice',
          accountId: account.id,
          args: { accountIdentifier: account.id, message: document.payload.notice.message ?? null },
        },
      ],
    });
  const effect = NOTICE_EFFECT.get(noticeType);
  if (!effect) return fail('CONFIGURATION_ERROR', `Notice type '${noticeType || '(none)'}' is not supported.`);
  // Notices change the state in arrival order among themselves: one that arrives late (it fell back to
  // the queue) after a later notice was applied is superseded.
  if (account.lastNoticeSeq !== null && account.lastNoticeSeq > ctx.eventSeq) {
    return ok("A later change of the subscription's state was already applied; this notice changes nothing.");
  }
  const move = decideFor(ctx, account, effect.action);
  if (!move.allowed) return fail(move.code, move.message);
  if (!move.noChange) await setAccountStatus(ctx.accounts, account, move.to);
  await recordNoticeApplied(ctx.accounts, account.id, ctx.eventSeq);
  return ok(effect.message, {
    hooks: [{ kind: effect.hook, accountId: account.id, args: { accountIdentifier: account.id } }],
  });
}
