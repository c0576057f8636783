/**
 * AppDirect's migration of a subscription the vendor already serves (POST /api/v{1,2}/migration/subscription):
 * the product accepts it (migrateSubscription, PRODUCT_DECIDE), then one transaction creates the account,
 * linked to AppDirect's company and to the subscription (the accountIdentifier later events name), records the
 * migration and its audit row. Once per partner and subscriptionIdentifier: a repeat gets the stored answer
 * without asking again. A refusal, a conflict or no answer is answered and nothing is kept, so AppDirect may
 * try again.
 */
import type { Config } from '../config';
import { createMigratedAccount } from '../accounts/migrated';
import { type Prisma, type PrismaClient } from '../db/client';
import type { ProductConnection } from '../hooks/product';
import type { Logger } from '../logging/logger';
import { seatsOf, type ApiResult, type MigratedSubscription } from '../marketplace/migration';
import { askQuestion } from '../hooks/ask';

export interface MigrateDeps {
  readonly config: Pick<Config, 'syncAnswerBudgetMs'> & {
    readonly appdirect: Pick<Config['appdirect'], 'marketplaceOrigins'>;
  };
  readonly prisma: PrismaClient;
  readonly product: ProductConnection;
}

export async function migrateSubscription(
  deps: MigrateDeps,
  subscription: MigratedSubscription,
  request: {
    readonly receivedAt: number;
    readonly logger: Logger;
    readonly actor: string;
    readonly requestId?: string;
  },
): Promise<ApiResult> {
  const partner = subscription.partner ?? '';
  const key = { partner, subscriptionIdentifier: subscription.subscriptionIdentifier };
  const done = await deps.prisma.subscriptionMigration.findUnique({ where: { partner_subscriptionIdentifier: key } });
  if (done) return done.result as ApiResult;

  const asked = await askQuestion(
    deps.product,
    { receivedAt: request.receivedAt, budgetMs: deps.config.syncAnswerBudgetMs },
    {
      type: 'migrateSubscription',
      partner: subscription.partner ?? null,
      accountIdentifier: null,
      data: { subscription, proposedAccountIdentifier: subscription.subscriptionIdentifier },
    },
  );
  const log = (result: ApiResult, extra: Record<string, unknown> = {}) => {
    request.logger.info(
      { ...key, tenantIdentifier: subscription.tenantIdentifier, product: asked.kind, result, ...extra },
      `migration of subscription ${subscription.subscriptionIdentifier}: ${result.success ? 'migrated' : result.errorCode}`,
    );
    return result;
  };
  if (asked.kind === 'not_asked')
    return log({
      success: false,
      errorCode: 'CONFIGURATION_ERROR',
      message: 'Subscription migration is not supported.',
    });
  if (asked.kind === 'unanswered')
    return log(
      {
        success: false,
        errorCode: 'UNKNOWN_ERROR',
        message: 'The subscription could not be migrated just now; please try again.',
      },
      { reason: asked.reason },
    );
  const decision = asked.answer;
  if (decision.decision === 'refuse')
    return log({ success: false, errorCode: decision.errorCode, message: decision.message });

  const accountId = decision.accountIdentifier ?? subscription.subscriptionIdentifier;
  const result: ApiResult = {
    success: true,
    message: decision.message ?? 'Subscription migrated.',
    accountIdentifier: accountId,
  };
  const outcome = await deps.prisma
    .$transaction(async (tx) => {
      // Two requests for the same subscription at once (AppDirect asking twice) take turns here; the second sees
      // the first's migration and answers as it did, not with the conflict its account would now meet.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`migration:${partner}:${subscription.subscriptionIdentifier}`}, 0))`;
      const twin = await tx.subscriptionMigration.findUnique({ where: { partner_subscriptionIdentifier: key } });
      if (twin) return { stored: twin.result as ApiResult };
      const conflict = await createMigratedAccount(tx, {
        id: accountId,
        companyUuid: subscription.companyUuid ?? subscription.tenantIdentifier,
        companyName: subscription.companyName ?? subscription.tenantIdentifier,
        tenantIdentifier: subscription.tenantIdentifier,
        applicationUuid: subscription.applicationIdentifier ?? '',
        editionCode: subscription.edition ?? 'DEFAULT',
        maxUsers: seatsOf(subscription),
        orderItems: (subscription.orderUnits ?? []).map((unit) => ({ unit: unit.unitType, quantity: unit.unit })),
        // The migration names no marketplace: the one this installation serves (the first configured).
        marketplaceBaseUrl: deps.config.appdirect.marketplaceOrigins[0] ?? '',
        partner: subscription.partner ?? null,
        createdBy: `migration:${partner}:${subscription.subscriptionIdentifier}`,
      });
      if (conflict) return conflict;
      await tx.subscriptionMigration.create({
        data: {
          ...key,
          tenantIdentifier: subscription.tenantIdentifier,
          subscriptionUuid: subscription.subscriptionUuid ?? null,
          accountId,
          request: subscription as unknown as Prisma.InputJsonObject,
          result: result as unknown as Prisma.InputJsonObject,
        },
      });
      await tx.auditLog.create({
        data: {
          actor: request.actor,
          action: 'migration.subscription',
          target: accountId,
          filter: { ...key, tenantIdentifier: subscription.tenantIdentifier } as Prisma.InputJsonObject,
          count: 1,
          requestId: request.requestId ?? null,
        },
      });
      return null;
    })
    .catch(async (error: unknown) => {
      // The same subscription migrated concurrently (AppDirect asking twice at once): the twin committed first.
      const twin = await deps.prisma.subscriptionMigration.findUnique({
        where: { partner_subscriptionIdentifier: key },
      });
      if (twin) return { stored: twin.result as ApiResult };
      throw error;
    });
  if (outcome !== null && typeof outcome === 'object') return outcome.stored;
  if (outcome === 'identifier_taken')
    return log({
      success: false,
      errorCode: 'CONFIGURATION_ERROR',
      message: `An account '${accountId}' already exists here and was not created by this migration.`,
    });
  if (outcome === 'company_has_live_account')
    return log({
      success: false,
      errorCode: 'USER_ALREADY_EXISTS',
      message: 'This company already has a subscription to this product here.',
    });
  return log(result, { accountIdentifier: accountId });
}
