/**
 * What a run makes of its events, as values: every event it reaches is finished (with the rows written for it),
 * found finished already, or deferred (with why and when to look again). Built here, in one place.
 */
import { EVENT_ERROR_CODES, type EventErrorCode } from '../errors/catalogue';
import type { Outcome } from '../events/apply';
import type { EventDocument } from '../events/schema';
import type { PlannedCall } from '../hooks/decide';
import type { HookCallRecord } from '../hooks/kinds';
import type { ResultBody } from '../marketplace/client';
import type { OwedDelivery } from '../report/deliver';
import { resultOf, type FinalOutcome } from './finish';

/** Why an event waits: an earlier event of its account, its account's provisioning, the product's decision. */
export type DeferReason = 'ordering' | 'pending' | 'product';

export type EventRun =
  | {
      readonly kind: 'finished';
      readonly token: string;
      /** The event's type as its document names it (null: none known). */
      readonly type: string | null;
      readonly result: ResultBody;
      /** Notify calls this run wrote, to make after commit, in order. */
      readonly hookCalls: HookCallRecord[];
      /** The result POST owed (null: answered in the HTTP response, or AppDirect takes none). */
      readonly delivery: OwedDelivery | null;
      /** When its run began (metrics: receipt to result). */
      readonly startedAt: Date;
    }
  | { readonly kind: 'alreadyFinished'; readonly token: string; readonly result: ResultBody }
  | { readonly kind: 'deferred'; readonly token: string; readonly reason: DeferReason; readonly retryInMs: number };

export type FinishedEvent = Extract<EventRun, { kind: 'finished' }>;

/** One run: what became of the event it was asked for, and of every event it finished with it. */
export interface Run {
  readonly own: EventRun;
  /** Every event the run finished, in arrival order (the own one among them when it finished). */
  readonly finished: readonly FinishedEvent[];
  /** The account's next unfinished event after the run (null: none; undefined: not known). */
  readonly nextOfAccount: string | null | undefined;
  /** The account the run's events are filed under (null: none, or not known). */
  readonly accountId: string | null;
  /** Whether the account had notify calls owed before this run's (they go first). */
  readonly callsOwedBefore: boolean;
}

export const alreadyFinished = (token: string, result: unknown): Run => ({
  own: { kind: 'alreadyFinished', token, result: result as ResultBody },
  finished: [],
  nextOfAccount: undefined,
  accountId: null,
  callsOwedBefore: true,
});

export const deferred = (token: string, reason: DeferReason, retryInMs: number): Run => ({
  own: { kind: 'deferred', token, reason, retryInMs: Math.max(1, Math.round(retryInMs)) },
  finished: [],
  nextOfAccount: undefined,
  accountId: null,
  callsOwedBefore: true,
});

/**
 * An event decided without its apply: a ping test (success, nothing changed), a document that cannot be read
 * or fetched, a type not handled, a wait that ran out, a failure no retry can fix.
 */
export type EarlyOutcome =
  | { readonly success: string }
  | { readonly code: EventErrorCode; readonly message: string; readonly lastError?: string };

export const early = (
  code: EventErrorCode,
  lastError?: string,
  message: string = EVENT_ERROR_CODES[code].userMessage,
): EarlyOutcome => ({ code, message, ...(lastError === undefined ? {} : { lastError }) });

export function finalOfEarly(outcome: EarlyOutcome): FinalOutcome {
  if ('success' in outcome) return { result: resultOf(true, { message: outcome.success }), calls: [] };
  return {
    result: resultOf(false, { errorCode: outcome.code, message: outcome.message }),
    calls: [],
    ...(outcome.lastError ? { lastError: outcome.lastError } : {}),
  };
}

/** The final state of an applied (and decided) outcome: its result, its calls, the account a new one files under. */
export function finalOfApplied(outcome: Outcome, calls: readonly PlannedCall[], document: EventDocument): FinalOutcome {
  if (!outcome.success)
    return { result: resultOf(false, { errorCode: outcome.errorCode, message: outcome.message }), calls: [] };
  const isNewAccount = document.type === 'SUBSCRIPTION_ORDER' && !document.payload.account?.parentAccountIdentifier;
  return {
    result: resultOf(true, {
      accountIdentifier: outcome.accountIdentifier,
      userIdentifier: outcome.userIdentifier,
      message: outcome.message,
    }),
    calls,
    accountId: isNewAccount ? outcome.accountIdentifier : undefined,
  };
}
