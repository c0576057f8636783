/**
 * The in-process transport: the vendor's product as a Node module loaded into the worker (and the API
 * process, for synchronous notices). Implement any subset of `ProvisioningHooks` and name the module in
 * PROVISIONING_HOOKS_MODULE (path relative to the working directory); export it as `default` or `hooks`.
 *
 * A handler receives the typed call (src/hooks/contract.ts). For a kind in `notify` mode it runs after the
 * event's result is committed and its return value is ignored; for a kind in `decide` mode (PRODUCT_DECIDE)
 * its returned Decision *is* the result. Either may run more than once for the same call (retries, a crash
 * before commit): `context.idempotencyKey` is the same each time.
 */
import path from 'node:path';
import type { UsageReporter } from '../billing/report-usage';
import type { Logger } from '../logging/logger';
import type { Decision, ProductCall } from './contract';
import { ProductCallFailure } from './failure';
import { HOOK_KINDS, isHookKind, isQuestionKind, QUESTION_KINDS, type HookKind, type QuestionKind } from './kinds';
import type { ProductQuestion, QuestionAnswer } from './questions';
import type { ProductTransport, SendOptions } from './transport';

export interface HookContext {
  /** The same for every attempt of one call (a webhook's `webhook-id`). */
  readonly idempotencyKey: string;
  readonly logger: Logger;
  /**
   * Reports usage to bill (README, "Billing usage"): the product API's `POST …/usage`, typed. Stored before it
   * resolves and delivered to AppDirect once; the same `idempotencyKey` again resolves as the first time
   * (`replayed`). A refusal throws a `UsageRefused` with the product API's catalogue code. Absent where the
   * process was started without a database (unit tests of the transport).
   */
  readonly reportUsage?: UsageReporter;
}

/**
 * The in-process product: one optional handler per call kind, and per question it answers (src/hooks/questions.ts;
 * asked only when PRODUCT_DECIDE names it).
 */
export type ProvisioningHooks = {
  [K in HookKind]?: (call: ProductCall<K>, context: HookContext) => Promise<Decision | void>;
} & {
  [Q in QuestionKind]?: (question: ProductQuestion<Q>, context: HookContext) => Promise<QuestionAnswer<Q>>;
};

/** The default: record what would have been provisioned (every kind in `notify` mode). */
export const loggingHooks: ProvisioningHooks = Object.fromEntries(
  HOOK_KINDS.map((kind) => [
    kind,
    async (call: ProductCall, context: HookContext) => {
      context.logger.info({ hook: kind, call }, 'provisioning hook (default: log only)');
    },
  ]),
);

export async function loadHooks(modulePath: string | undefined): Promise<ProvisioningHooks> {
  if (!modulePath) return loggingHooks;
  const loaded = (await import(path.resolve(modulePath))) as { default?: ProvisioningHooks; hooks?: ProvisioningHooks };
  const hooks = loaded.hooks ?? loaded.default;
  const entries = hooks && typeof hooks === 'object' ? Object.entries(hooks) : [];
  const valid =
    entries.length > 0 &&
    entries.every(([kind, fn]) => (isHookKind(kind) || isQuestionKind(kind)) && typeof fn === 'function');
  if (!valid) {
    throw new Error(
      `${modulePath} exports no ProvisioningHooks (as default or hooks): expected functions named ${[...HOOK_KINDS, ...QUESTION_KINDS].join(', ')}`,
    );
  }
  return hooks as ProvisioningHooks;
}

/**
 * Calls the module's handler for the call's kind, bounded by the timeout; a kind it lacks answers nothing.
 * `reportUsage`: what the handlers' context offers for reporting usage (the process's own database and queue).
 */
export function moduleTransport(
  hooks: ProvisioningHooks,
  logger: Logger,
  reportUsage?: UsageReporter,
): ProductTransport {
  return {
    name: 'module',
    async send(call: ProductCall | ProductQuestion, options: SendOptions): Promise<unknown> {
      // The union of handler types cannot be called with the union of calls; each kind gets its own call.
      const handler = hooks[call.type] as
        ((call: ProductCall | ProductQuestion, context: HookContext) => Promise<unknown>) | undefined;
      if (!handler) return undefined;
      const about = 'eventToken' in call ? { eventToken: call.eventToken } : { questionId: call.questionId };
      const context: HookContext = {
        idempotencyKey: options.idempotencyKey,
        logger: logger.child({ hook: call.type, ...about }),
        reportUsage,
      };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ProductCallFailure(`the handler did not answer within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      });
      try {
        return await Promise.race([handler(call, context), timeout]);
      } catch (error) {
        if (error instanceof ProductCallFailure) throw error;
        throw new ProductCallFailure(`the handler threw: ${(error as Error)?.message ?? String(error)}`, null, {
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Whether the module implements the kind (a kind in `decide` mode must be implemented). */
export const implementsKind = (hooks: ProvisioningHooks, kind: HookKind | QuestionKind): boolean =>
  typeof hooks[kind] === 'function';
