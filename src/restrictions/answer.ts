/**
 * Answers AppDirect's restrictions question (POST /api/v{1,2}/restrictions): whether an order, a change, a
 * cancel or a (un)assignment may be sold. The account store's rules (src/accounts/lifecycle.ts, the table the
 * events are decided by) restrict first; then the product, when PRODUCT_DECIDE names `restrictions`, adds its
 * own within the synchronous budget. Every answer is recorded, logged and counted.
 *
 * A product that gives no usable answer in time (timeout, failure, an answer that is not one) leaves the
 * decision to PRODUCT_RESTRICTIONS_UNANSWERED: `allow` (the default: the store's rules still apply, and a
 * product that decides the events still refuses what it must when the event arrives, so an outage of the
 * product does not stop every sale) or `restrict` (a product whose rules must hold before payment).
 */
import { randomUUID } from 'node:crypto';
import { findLiveAccountOfCompany } from '../accounts/accounts';
import { restrictionsOf, type StoreRestriction } from '../accounts/lifecycle';
import { accountSnapshot, type AccountSnapshot } from '../accounts/snapshot';
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import { pooledSql, type Sql } from '../db/sql';
import { ProductCallFailure } from '../hooks/failure';
import type { ProductConnection } from '../hooks/product';
import type { ProductQuestion } from '../hooks/questions';
import type { Logger } from '../logging/logger';
import { seatsAskedOf, type Restriction, type RestrictionInfo } from '../marketplace/restrictions';
import { recordAnswer, type ProductPart } from './record';

/** Kept for sending the answer once the product is asked (as a notice's synchronous answer keeps). */
const ANSWER_RESERVE_MS = 150;

export interface RestrictionDeps {
  readonly config: Pick<Config, 'syncAnswerBudgetMs' | 'product'>;
  readonly prisma: PrismaClient;
  readonly product: ProductConnection;
  readonly metrics: {
    readonly restrictionAnswers: { inc(labels: { operation: string; outcome: string; product: string }): void };
  };
}

export interface Question {
  readonly info: RestrictionInfo;
  readonly partner: string;
  /** When the request arrived (ms): the product's budget is counted from it. */
  readonly receivedAt: number;
  readonly logger: Logger;
}

export async function answerRestrictions(
  deps: RestrictionDeps,
  question: Question,
): Promise<{ restrictions: Restriction[] }> {
  const { info, partner } = question;
  const sql = pooledSql(deps.prisma);
  const account = info.externalVendorId ? await snapshotOf(sql, info) : null;
  const found = (await storeRestrictions(sql, info, account)).map((each) => asRestriction(info, each));
  const asked = await askProduct(deps, question, account, found);
  const restrictions = [...found, ...asked.restrictions];
  await recordAnswer(deps.prisma, {
    accountId: account?.id ?? null,
    externalVendorId: info.externalVendorId ?? null,
    companyUuid: info.companyUuid ?? null,
    applicationUuid: info.applicationUuid ?? null,
    partner,
    operation: info.operation,
    restrictions,
    product: asked.part,
    productError: asked.error,
    durationMs: Date.now() - question.receivedAt,
  });
  const outcome = restrictions.length > 0 ? 'restricted' : 'allowed';
  deps.metrics.restrictionAnswers.inc({ operation: info.operation, outcome, product: asked.part });
  question.logger.info(
    {
      operation: info.operation,
      partner,
      accountIdentifier: account?.id ?? info.externalVendorId ?? null,
      companyUuid: info.companyUuid ?? null,
      codes: restrictions.map((each) => each.details.code),
      product: asked.part,
      productError: asked.error ?? undefined,
    },
    `restrictions answered: ${outcome}`,
  );
  return { restrictions };
}

function snapshotOf(sql: Sql, info: RestrictionInfo): Promise<AccountSnapshot | null> {
  const users = (info.userInfo ?? []).flatMap((user) => (user.userUuid ? [user.userUuid] : []));
  return accountSnapshot(sql, info.externalVendorId ?? '', users);
}

async function storeRestrictions(
  sql: Sql,
  info: RestrictionInfo,
  account: AccountSnapshot | null,
): Promise<StoreRestriction[]> {
  if (!info.externalVendorId && info.operation === 'SUBSCRIPTION_ORDER') {
    const live = await findLiveAccountOfCompany(sql, info.companyUuid ?? '', info.applicationUuid ?? '');
    return restrictionsOf({ kind: 'order', liveAccount: live?.id ?? null });
  }
  const users = info.userInfo ?? [];
  return restrictionsOf({
    kind: 'account',
    operation: info.operation,
    account,
    seatsAsked: seatsAskedOf(info).map((line) => line.seats),
    // A user AppDirect names without a uuid cannot hold a seat yet; one that holds a seat takes no new one.
    newUsers: Math.max(0, users.length - (account?.seatedAmong ?? 0)),
  });
}

/** A store restriction as AppDirect reads it: a seat change names the edition and pricing it is about. */
function asRestriction(info: RestrictionInfo, found: StoreRestriction): Restriction {
  const line =
    found.seatsAsked === undefined ? undefined : seatsAskedOf(info).find((l) => l.seats === found.seatsAsked);
  return {
    operation: info.operation,
    ...(line?.editionUuid ? { editionUuid: line.editionUuid } : {}),
    ...(line?.pricingUuid ? { editionPricingUuid: line.pricingUuid } : {}),
    details: { code: found.code, message: found.message },
  };
}

async function askProduct(
  deps: RestrictionDeps,
  question: Question,
  account: AccountSnapshot | null,
  found: Restriction[],
): Promise<{ restrictions: Restriction[]; part: ProductPart; error: string | null }> {
  if (!deps.product.answers('restrictions')) return { restrictions: [], part: 'not_asked', error: null };
  const { info } = question;
  const call: ProductQuestion<'restrictions'> = {
    type: 'restrictions',
    version: 1,
    mode: 'decide',
    questionId: `restrictions-${randomUUID()}`,
    partner: question.partner,
    accountIdentifier: account?.id ?? null,
    receivedAt: new Date(question.receivedAt).toISOString(),
    data: {
      question: info,
      account: account && {
        accountIdentifier: account.id,
        status: account.status,
        editionCode: account.editionCode,
        maxUsers: account.maxUsers,
        seatsUsed: account.seatsUsed,
      },
      found,
    },
  };
  const budgetMs = question.receivedAt + deps.config.syncAnswerBudgetMs - Date.now() - ANSWER_RESERVE_MS;
  try {
    if (budgetMs <= 0) throw new ProductCallFailure('no time was left in the synchronous budget to ask');
    const { answer } = await deps.product.ask<'restrictions'>(call, budgetMs);
    const restrictions = answer.restrictions.map((each) => ({ ...each, operation: each.operation ?? info.operation }));
    return { restrictions, part: 'answered', error: null };
  } catch (error) {
    if (!(error instanceof ProductCallFailure)) throw error;
    return { restrictions: unansweredPolicy(deps, info), part: 'unanswered', error: error.reason };
  }
}

/** PRODUCT_RESTRICTIONS_UNANSWERED: nothing more (`allow`), or one restriction saying to try again. */
function unansweredPolicy(deps: RestrictionDeps, info: RestrictionInfo): Restriction[] {
  if (deps.config.product.restrictionsUnanswered === 'allow') return [];
  return [
    {
      operation: info.operation,
      details: {
        code: 'GENERIC_RESTRICTION_ERROR_MSG',
        message: 'The vendor could not check this request just now; please try again in a few minutes.',
      },
    },
  ];
}
