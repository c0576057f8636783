/**
 * The connection to the vendor's product: which call kinds it decides and which it is notified of, and the
 * one transport the calls take (the in-process module or the signed webhook). Built once per process from
 * the config (`connectProduct`); the workers use it for both modes, the API process for the `decide` calls
 * of synchronously answered notices.
 */
import type { Config } from '../config';
import type { Logger } from '../logging/logger';
import type { SharedState } from '../queue/shared-state';
import { readDecision, type CallMode, type Decision, type ProductCall } from './contract';
import { ProductCallFailure } from './failure';
import type { UsageReporter } from '../billing/report-usage';
import { implementsKind, loadHooks, moduleTransport, type ProvisioningHooks } from './index';
import type { HookKind, QuestionKind } from './kinds';
import { readAnswer, type ProductQuestion, type QuestionAnswer } from './questions';
import type { ProductTransport } from './transport';
import { webhookTransport } from './webhook';

export interface ProductSettings {
  /** Kinds the product decides (asked before the result is written); every other kind is notified. */
  readonly decideKinds: readonly HookKind[];
  /** Questions the product answers (src/hooks/questions.ts); the others are not asked. */
  readonly questionKinds?: readonly QuestionKind[];
  /** How long one call may take. */
  readonly callTimeoutMs: number;
  /** How long a decision may stay unanswered (failures, `pending`) before the event is answered PENDING. */
  readonly decideDeadlineMs: number;
}

/** What a call to the product came to, for attempt records and metrics. */
export interface CallRecord {
  readonly outcome: 'answered' | 'failed';
  readonly durationMs: number;
  readonly answer?: unknown;
  readonly error?: string;
  readonly httpStatus?: number | null;
}

export interface ProductConnection {
  readonly settings: ProductSettings;
  readonly transport: ProductTransport;
  modeOf(kind: HookKind): CallMode;
  /** Tells the product (a `notify` call); throws ProductCallFailure when it did not take the call. */
  notify(call: ProductCall, idempotencyKey: string): Promise<CallRecord>;
  /**
   * Asks the product to decide, within `timeoutMs` (the call timeout, or less when a synchronous answer's
   * budget is shorter). Throws ProductCallFailure on any failure, including an answer that is not a decision.
   */
  decide(
    call: ProductCall,
    idempotencyKey: string,
    timeoutMs?: number,
  ): Promise<{ decision: Decision; record: CallRecord }>;
  /** Whether the product answers this question (PRODUCT_DECIDE names it). */
  answers(kind: QuestionKind): boolean;
  /**
   * Asks a question within `timeoutMs` (bounded by the call timeout). Throws ProductCallFailure on any failure,
   * including an answer that is not one.
   */
  ask<K extends QuestionKind>(
    question: ProductQuestion<K>,
    timeoutMs: number,
  ): Promise<{ answer: QuestionAnswer<K>; record: CallRecord }>;
}

/** Called after every attempt (metrics). */
export type CallObserver = (kind: HookKind | QuestionKind, mode: CallMode, record: CallRecord) => void;

export function productConnection(
  transport: ProductTransport,
  settings: ProductSettings,
  observe: CallObserver = () => undefined,
): ProductConnection {
  const decided = new Set<HookKind>(settings.decideKinds);
  const asked = new Set<QuestionKind>(settings.questionKinds ?? []);
  const timed = async (call: ProductCall | ProductQuestion, mode: CallMode, key: string, timeoutMs: number) => {
    const started = Date.now();
    try {
      // A question is always asked in decide mode; a call is sent in the mode its kind is configured for.
      const sent = 'questionId' in call ? call : ({ ...call, mode } as ProductCall);
      const answer = await transport.send(sent, { idempotencyKey: key, timeoutMs });
      return { answer, durationMs: Date.now() - started };
    } catch (error) {
      const failure =
        error instanceof ProductCallFailure
          ? error
          : new ProductCallFailure(String((error as Error)?.message ?? error), null, { cause: error });
      throw failed(call, mode, failure, Date.now() - started);
    }
  };
  const failed = (
    call: ProductCall | ProductQuestion,
    mode: CallMode,
    failure: ProductCallFailure,
    durationMs: number,
    answer?: unknown,
  ) => {
    failure.record = { outcome: 'failed', durationMs, answer, error: failure.reason, httpStatus: failure.httpStatus };
    observe(call.type, mode, failure.record);
    return failure;
  };
  return {
    settings,
    transport,
    modeOf: (kind) => (decided.has(kind) ? 'decide' : 'notify'),
    async notify(call, key) {
      const { answer, durationMs } = await timed(call, 'notify', key, settings.callTimeoutMs);
      const record: CallRecord = { outcome: 'answered', durationMs, answer };
      observe(call.type, 'notify', record);
      return record;
    },
    async decide(call, key, timeoutMs = settings.callTimeoutMs) {
      const { answer, durationMs } = await timed(
        call,
        'decide',
        key,
        Math.max(1, Math.min(timeoutMs, settings.callTimeoutMs)),
      );
      const read = readDecision(answer);
      if ('problems' in read) {
        throw failed(
          call,
          'decide',
          new ProductCallFailure(`the answer is not a decision: ${read.problems.join('; ')}`),
          durationMs,
          answer,
        );
      }
      if (read.decision.decision === 'accept' && read.decision.accountIdentifier && call.type !== 'accountCreated') {
        const reason = `accountIdentifier may only be chosen for accountCreated, not ${call.type}`;
        throw failed(call, 'decide', new ProductCallFailure(reason), durationMs, answer);
      }
      const record: CallRecord = { outcome: 'answered', durationMs, answer: read.decision };
      observe(call.type, 'decide', record);
      return { decision: read.decision, record };
    },
    answers: (kind) => asked.has(kind),
    async ask<K extends QuestionKind>(asking: ProductQuestion<K>, timeoutMs: number) {
      const question = asking as ProductQuestion;
      const bound = Math.max(1, Math.min(timeoutMs, settings.callTimeoutMs));
      const { answer, durationMs } = await timed(question, 'decide', question.questionId, bound);
      const read = readAnswer(asking.type as K, answer);
      if ('problems' in read) {
        const reason = `the answer is not a ${question.type} answer: ${read.problems.join('; ')}`;
        throw failed(question, 'decide', new ProductCallFailure(reason), durationMs, answer);
      }
      const record: CallRecord = { outcome: 'answered', durationMs, answer: read.answer };
      observe(question.type, 'decide', record);
      return { answer: read.answer, record };
    },
  };
}

/** The product the configuration names: the webhook (PRODUCT_WEBHOOK_URL) or the module (default: log only). */
export async function connectProduct(
  config: Pick<Config, 'product' | 'provisioningHooksModule'>,
  logger: Logger,
  options: {
    hooks?: ProvisioningHooks;
    observe?: CallObserver;
    /** Shares the webhook's circuit breaker with every other process (the API and workers pass theirs). */
    shared?: SharedState;
    /** What an in-process module's handlers report usage with (HookContext.reportUsage). */
    reportUsage?: UsageReporter;
  } = {},
): Promise<ProductConnection> {
  const { product } = config;
  const settings: ProductSettings = {
    decideKinds: product.decideKinds,
    questionKinds: product.questionKinds,
    callTimeoutMs: product.callTimeoutMs,
    decideDeadlineMs: product.decideDeadlineMs,
  };
  if (product.webhookUrl) {
    const transport = webhookTransport({
      url: product.webhookUrl,
      secrets: product.webhookSecrets,
      allowPrivateTargets: product.allowPrivateTargets,
      breaker: product.circuit,
      shared: options.shared,
    });
    return productConnection(transport, settings, options.observe);
  }
  const hooks = options.hooks ?? (await loadHooks(config.provisioningHooksModule));
  const missing = [...product.decideKinds, ...product.questionKinds].filter((kind) => !implementsKind(hooks, kind));
  if (missing.length > 0) {
    throw new Error(
      `PRODUCT_DECIDE names ${missing.join(', ')}, which the provisioning hooks module does not implement`,
    );
  }
  return productConnection(moduleTransport(hooks, logger, options.reportUsage), settings, options.observe);
}
