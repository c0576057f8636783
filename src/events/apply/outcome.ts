import { randomBytes } from 'node:crypto';
import { statusForEvent, type LockedAccounts } from '../../accounts/accounts';
import type { SeatsAhead } from '../../accounts/seats-ahead';
import {
  decide,
  movesStatus,
  type AccountAction,
  type AccountStatusName,
  type LifecycleDecision,
} from '../../accounts/lifecycle';
import type { Account, Prisma } from '../../db/client';
import type { Sql } from '../../db/sql';
import { EVENT_ERROR_CODES, type EventErrorCode } from '../../errors/catalogue';
import type { HookKind } from '../../hooks/kinds';
import type { EventDocument } from '../schema';

export type { HookKind };

export interface HookIntent {
  readonly kind: HookKind;
  readonly accountId?: string;
  readonly args: Prisma.InputJsonObject;
}

/** The result reported to AppDirect, plus the hooks to call once it commits. */
export type Outcome =
  | { success: true; accountIdentifier?: string; userIdentifier?: string; message: string; hooks: HookIntent[] }
  | { success: false; errorCode: EventErrorCode; message: string; hooks: [] };

/**
 * What an apply function works with: plain SQL in the run's transaction (src/db/sql.ts), the accounts that
 * transaction has locked, each read once (`accounts`; the functions that write an account row forget it), and
 * the seats of the run's assignments (`seats`).
 */
export interface ApplyContext<D extends EventDocument = EventDocument> {
  readonly sql: Sql;
  readonly accounts: LockedAccounts;
  /** The seats of the run's consecutive assignments, taken together (src/accounts/seats-ahead.ts). */
  readonly seats: SeatsAhead;
  readonly token: string;
  /** The event's arrival order (events.seq). */
  readonly eventSeq: bigint;
  readonly document: D;
  readonly development: boolean;
  /** The account status pinned when a notice overtook this event (null: decide on the current one). */
  readonly accountStatusAtArrival: AccountStatusName | null;
}

/**
 * The lifecycle's decision for `action` on `account`: an action that moves the account's state is decided
 * on its current state; any other on the state it had when the event arrived (see accountStatusAtArrival).
 */
export function decideFor(
  ctx: ApplyContext,
  account: Pick<Account, 'status'>,
  action: AccountAction,
): LifecycleDecision {
  return decide(action, movesStatus(action) ? account.status : statusForEvent(account, ctx.accountStatusAtArrival));
}

/** The account the event names, row-locked (read once per transaction). */
export const lockedAccount = (ctx: ApplyContext, accountId: string | undefined): Promise<Account | null> =>
  ctx.accounts.lock(accountId);

/** Applies one event of type D to the account store; its outcome is reported to AppDirect. */
export type ApplyFunction<D extends EventDocument = EventDocument> = (ctx: ApplyContext<D>) => Promise<Outcome>;

export function ok(
  message: string,
  extra: { accountIdentifier?: string; userIdentifier?: string; hooks?: HookIntent[] } = {},
): Outcome {
  return {
    success: true,
    message,
    accountIdentifier: extra.accountIdentifier,
    userIdentifier: extra.userIdentifier,
    hooks: extra.hooks ?? [],
  };
}

/** A business outcome: reported at once, never retried. `message` is shown to the marketplace user. */
export function fail(errorCode: EventErrorCode, message: string = EVENT_ERROR_CODES[errorCode].userMessage): Outcome {
  return { success: false, errorCode, message, hooks: [] };
}

export function newIdentifier(prefix: 'acct' | 'addon' | 'bind'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** What a hook is told about a person (the same fields for owners and users). */
export const personArgs = (person: {
  uuid: string;
  email: string;
  firstName?: string;
  lastName?: string;
}): Prisma.InputJsonObject => ({
  uuid: person.uuid,
  email: person.email,
  firstName: person.firstName ?? null,
  lastName: person.lastName ?? null,
});
