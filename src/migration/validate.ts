/**
 * AppDirect's migration validations (POST /api/v{1,2}/migration/validateCustomerAccount and …/validateSubscription):
 * the vendor's own fields, which only the product can judge. Its verdict is the answer; without a product that
 * answers the question, the SDK's default (CONFIGURATION_ERROR, not supported); without a usable answer in time,
 * UNKNOWN_ERROR (nothing was decided: AppDirect may ask again).
 */
import type { Config } from '../config';
import type { ProductConnection } from '../hooks/product';
import type { Logger } from '../logging/logger';
import type { ApiResult } from '../marketplace/migration';
import { askQuestion } from '../hooks/ask';

export type Validation = 'validateCustomerAccount' | 'validateSubscription';

const WHAT: Readonly<Record<Validation, string>> = {
  validateCustomerAccount: 'Customer account validation',
  validateSubscription: 'Subscription validation',
};

export async function validateForMigration(
  deps: { readonly config: Pick<Config, 'syncAnswerBudgetMs'>; readonly product: ProductConnection },
  kind: Validation,
  fields: Record<string, string | null>,
  request: { readonly receivedAt: number; readonly logger: Logger },
): Promise<ApiResult> {
  const asked = await askQuestion(
    deps.product,
    { receivedAt: request.receivedAt, budgetMs: deps.config.syncAnswerBudgetMs },
    { type: kind, partner: null, accountIdentifier: null, data: { fields } },
  );
  const result: ApiResult =
    asked.kind === 'answered'
      ? asked.answer
      : asked.kind === 'not_asked'
        ? { success: false, errorCode: 'CONFIGURATION_ERROR', message: `${WHAT[kind]} is not supported.` }
        : {
            success: false,
            errorCode: 'UNKNOWN_ERROR',
            message: `${WHAT[kind]} could not be completed just now; please try again.`,
          };
  request.logger.info(
    {
      question: kind,
      fields: Object.keys(fields),
      product: asked.kind,
      reason: 'reason' in asked ? asked.reason : undefined,
      result,
    },
    `migration ${kind}: ${result.success ? 'valid' : (result.errorCode ?? 'invalid')}`,
  );
  return result;
}
