/**
 * Asking the product before an event's result is written. Runs inside the event's transaction, after the
 * apply function has changed the store and before the final state is written, under the account's lock:
 * the product sees events of one account one at a time, in order, and its decision commits (or rolls back)
 * with everything else.
 *
 * - accept: the outcome stands (for a new account, with the product's own identifier if it gave one).
 * - refuse: ProductRefusal is thrown, the transaction rolls back, and the event is answered with the code.
 * - pending: ProductPending is thrown, the transaction rolls back, and the event waits for the product to
 *   complete it through the product API (or for the deadline).
 * - no usable answer: ProductCallFailure is thrown; the transaction rolls back and the event is run again
 *   later, which asks again with the same idempotency key (so does a crash before commit). A product must
 *   therefore answer the same key the same way, without doing the work twice.
 */
import { markProvisioned, renameAccount } from '../accounts/accounts';
import type { Prisma, PrismaClient } from '../db/client';
import type { Outcome } from '../events/apply';
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

export class ProductRefusal extends Error {
  constructor(readonly decision: Extract<Decision, { decision: 'refuse' }>) {
    super(`the product refused: ${decision.errorCode}: ${decision.message}`);
    this.name = 'ProductRefusal';
  }
}

export class ProductPending extends Error {
  constructor(readonly decision: Extract<Decision, { decision: 'pending' }>) {
    super(`the product will decide later${decision.message ? `: ${decision.message}` : ''}`);
    this.name = 'ProductPending';
  }
}

/** A decision the product completed through the product API, stored on the event for its next run. */
export function storedFinalDecision(stored: unknown): FinalDecision | null {
  const parsed = decisionSchema.safeParse(stored);
  return parsed.success && parsed.data.decision !== 'pending' ? parsed.data : null;
}

export const isAwaitingProduct = (stored: unknown): boolean =>
  decisionSchema.safeParse(stored).data?.decision === 'pending';

export interface DecideInput {
  readonly tx: Prisma.TransactionClient;
  /** For attempt records, outside the transaction (they stay when it rolls back). */
  readonly prisma: PrismaClient;
  readonly product: ProductConnection;
  readonly source: CallSource;
  /** A completion made through the product API (used instead of asking). */
  readonly stored: FinalDecision | null;
  /** Bound on the call (a synchronous answer's remaining budget). */
  readonly timeoutMs?: number;
}

/**
 * Decides the apply's successful outcome with the product and plans every call the event makes. Throws
 * ProductRefusal, ProductPending or ProductCallFailure as described above.
 */
export async function decideWithProduct(
  input: DecideInput,
  outcome: Extract<Outcome, { success: true }>,
): Promise<{ outcome: Outcome; calls: PlannedCall[] }> {
  const { product, source } = input;
  let intents: CallIntent[] = [...outcome.hooks];
  let accountIdentifier = outcome.accountIdentifier;
  let message = outcome.message;
  const decided = new Map<number, Decision>();
  for (const [index, intent] of intents.entries()) {
    if (product.modeOf(intent.kind) !== 'decide') continue;
    const decision = input.stored ?? (await ask(input, intent));
    if (decision.decision === 'refuse') throw new ProductRefusal(decision);
    if (decision.decision === 'pending') throw new ProductPending(decision);
    decided.set(index, decision);
    if (decision.message) message = decision.message;
    if (intent.kind !== 'accountCreated' || !intent.accountId) continue;
    const chosen = decision.accountIdentifier;
    if (chosen && chosen !== intent.accountId) {
      if (!(await renameAccount(input.tx, intent.accountId, chosen))) {
        throw new ProductCallFailure(`the product's accountIdentifier '${chosen}' is already in use`);
      }
      intents = intents.map((each) => renamed(each, intent.accountId ?? '', chosen));
      if (accountIdentifier === intent.accountId) accountIdentifier = chosen;
    }
    // The product has provisioned the account by accepting it: its later events need not wait.
    await markProvisioned(input.tx, chosen ?? intent.accountId);
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
  return { outcome: { ...outcome, accountIdentifier, message, hooks: intents }, calls };
}

/** The calls of an outcome when nothing is decided (every kind notified). */
export function notifyCalls(product: ProductConnection, source: CallSource, outcome: Outcome): PlannedCall[] {
  return outcome.hooks.map((intent) => ({
    kind: intent.kind,
    accountId: intent.accountId ?? null,
    mode: 'notify' as const,
    call: buildCall(intent, source, 'notify'),
    answer: null,
  }));
}

export const decidesAny = (product: ProductConnection, outcome: Outcome): boolean =>
  outcome.success && outcome.hooks.some((intent) => product.modeOf(intent.kind) === 'decide');

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
    await recordAttempt(input.prisma, { ...base, record });
    return decision;
  } catch (error) {
    if (error instanceof ProductCallFailure && error.record)
      await recordAttempt(input.prisma, { ...base, record: error.record });
    throw error;
  }
}

/** The intent with the account's identifier replaced where it names the account. */
function renamed(intent: CallIntent, from: string, to: string): CallIntent {
  const args = intent.args.accountIdentifier === from ? { ...intent.args, accountIdentifier: to } : intent.args;
  return { ...intent, accountId: intent.accountId === from ? to : intent.accountId, args };
}
