/**
 * Asking the product before an event's result is written. Runs inside the event's run, after the apply
 * function has changed the store and before the final state is written, under the account's lock: the
 * product sees events of one account one at a time, in order, and its decision commits (or is rolled back)
 * with everything else. The answer is a value (`Decided`), never an exception through the transaction:
 *
 * - accepted: the outcome stands (for a new account, with the product's own identifier if it gave one);
 * - refused: the run rolls the event's changes back and answers it with the product's code;
 * - pending: the run rolls the event's changes back, and the event waits for the product to complete it
 *   through the product API (or for the deadline);
 * - unanswered (no usable answer): the run rolls the event's changes back and runs it again later, which asks
 *   again with the same idempotency key (so does a crash before commit). A product must therefore answer the
 *   same key the same way, without doing the work twice.
 */
import { markProvisioned, renameAccount, type LockedAccounts } from '../accounts/accounts';
import type { SqlSource } from '../db/sql';
import { buildCall, decideKey, recordAttempt, type CallIntent, type CallSource } from './calls';
import { decisionSchema, type CallMode, type Decision, type FinalDecision, type ProductCall } from './contract';
import { ProductCallFailure } from './failure';
import type { HookKind } from './kinds';
import type { ProductConnection } from './product';

/** A call as the event's final state records it: a notify call still owed, or a decide call answered. */
export interface PlannedCall {
  readonly kind: HookKind;
  readonly accountId: string | null;
  readonly mode: CallMode;
  readonly call: ProductCall;
  /** The decision, for a decide call. */
  readonly answer: Decision | null;
}

/**
 * What the product is asked about: an event's outcome as its apply function decided it (src/events/apply's
 * Outcome), with the calls it asks to make.
 */
export interface DecidableOutcome {
  readonly success: boolean;
  readonly accountIdentifier?: string;
  readonly message: string;
  readonly hooks: readonly CallIntent[];
}

/** What the product made of an event's outcome. */
export type Decided<O extends DecidableOutcome = DecidableOutcome> =
  | { readonly kind: 'accepted'; readonly outcome: O; readonly calls: PlannedCall[] }
  | { readonly kind: 'refused'; readonly decision: Extract<Decision, { decision: 'refuse' }> }
  | { readonly kind: 'pending'; readonly decision: Extract<Decision, { decision: 'pending' }>; readonly reason: string }
  | { readonly kind: 'unanswered'; readonly reason: string };

/** A decision the product completed through the product API, stored on the event for its next run. */
export function storedFinalDecision(stored: unknown): FinalDecision | null {
  const parsed = decisionSchema.safeParse(stored);
  return parsed.success && parsed.data.decision !== 'pending' ? parsed.data : null;
}

export const isAwaitingProduct = (stored: unknown): boolean =>
  decisionSchema.safeParse(stored).data?.decision === 'pending';

export interface DecideInput {
  /** The run's locked accounts, on its transaction (a renamed or provisioned account is written there). */
  readonly accounts: LockedAccounts;
  /** For attempt records, outside the transaction (they stay when it rolls back). */
  readonly db: SqlSource;
  readonly product: ProductConnection;
  readonly source: CallSource;
  /** A completion made through the product API (used instead of asking). */
  readonly stored: FinalDecision | null;
  /** Bound on the call (a synchronous answer's remaining budget). */
  readonly timeoutMs?: number;
}

/**
 * Decides the apply's outcome with the product and plans every call the event makes: a refused outcome (the
 * service's own rules said no) and one whose calls are all notified are accepted without asking.
 */
export async function decideWithProduct<O extends DecidableOutcome>(
  input: DecideInput,
  outcome: O,
): Promise<Decided<O>> {
  const { product, source } = input;
  if (!outcome.success) return { kind: 'accepted', outcome, calls: [] };
  let intents: CallIntent[] = [...outcome.hooks];
  let accountIdentifier = outcome.accountIdentifier;
  let message = outcome.message;
  const decided = new Map<number, Decision>();
  for (const [index, intent] of intents.entries()) {
    if (product.modeOf(intent.kind) !== 'decide') continue;
    let decision: Decision;
    try {
      decision = input.stored ?? (await ask(input, intent));
    } catch (error) {
      if (error instanceof ProductCallFailure) return { kind: 'unanswered', reason: error.message };
      throw error;
    }
    if (decision.decision === 'refuse') return { kind: 'refused', decision };
    if (decision.decision === 'pending')
      return {
        kind: 'pending',
        decision,
        reason: `the product will decide later${decision.message ? `: ${decision.message}` : ''}`,
      };
    decided.set(index, decision);
    if (decision.message) message = decision.message;
    if (intent.kind !== 'accountCreated' || !intent.accountId) continue;
    const chosen = decision.accountIdentifier;
    if (chosen && chosen !== intent.accountId) {
      if (!(await renameAccount(input.accounts, intent.accountId, chosen)))
        return { kind: 'unanswered', reason: `the product's accountIdentifier '${chosen}' is already in use` };
      intents = intents.map((each) => renamed(each, intent.accountId ?? '', chosen));
      if (accountIdentifier === intent.accountId) accountIdentifier = chosen;
    }
    // The product has provisioned the account by accepting it: its later events need not wait.
    await markProvisioned(input.accounts, chosen ?? intent.accountId);
  }
  const calls = intents.map((intent, index): PlannedCall => {
    const mode = product.modeOf(intent.kind);
    return {
      kind: intent.kind,
      accountId: intent.accountId ?? null,
      mode,
      call: buildCall(intent, source, mode),
      answer: decided.get(index) ?? null,
    };
  });
  return { kind: 'accepted', outcome: { ...outcome, accountIdentifier, message, hooks: intents }, calls };
}

async function ask(input: DecideInput, intent: CallIntent): Promise<Decision> {
  const key = decideKey(input.source.token, intent.kind);
  const call = buildCall(intent, input.source, 'decide');
  const base = {
    eventToken: input.source.token,
    kind: intent.kind,
    mode: 'decide' as const,
    idempotencyKey: key,
    transport: input.product.transport.name,
  };
  try {
    const { decision, record } = await input.product.decide(call, key, input.timeoutMs);
    await recordAttempt(input.db, { ...base, record });
    return decision;
  } catch (error) {
    if (error instanceof ProductCallFailure && error.record)
      await recordAttempt(input.db, { ...base, record: error.record });
    throw error;
  }
}

/** The intent with the account's identifier replaced where it names the account. */
function renamed(intent: CallIntent, from: string, to: string): CallIntent {
  const args = intent.args.accountIdentifier === from ? { ...intent.args, accountIdentifier: to } : intent.args;
  return { ...intent, accountId: intent.accountId === from ? to : intent.accountId, args };
}
