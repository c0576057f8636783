/**
 * The account lifecycle: the states an account can be in, and what each action does from each state.
 * Every refusal the apply functions report for an account's state comes from here, and docs/errors.md's
 * "Subscription states" section is rendered from the same table, so the rules are read (and changed)
 * in one place.
 *
 *   active ──DEACTIVATED──▶ suspended ──REACTIVATED──▶ active
 *   active | suspended ──CANCEL──▶ cancelled ──CLOSED──▶ closed
 *   (CLOSED is accepted from any state; closed is final. A new ORDER after cancelled/closed creates a new account.)
 *
 * AppDirect also asks, before it sells an operation, whether it is restricted (POST /api/v2/restrictions):
 * `restrictionsOf` answers from the same table and the same seat rules, so an operation it allows and that
 * then arrives as an event succeeds unless the account moved in between.
 */
import type { EventErrorCode } from '../errors/catalogue';
import type { RestrictedOperation, RestrictionCode } from '../errors/restriction-codes';
import { AccountStatus } from '../generated/prisma/enums';

export type AccountStatusName = AccountStatus;
export const ACCOUNT_STATUSES = Object.values(AccountStatus) as readonly AccountStatusName[];

/** Accounts a new ORDER of the same company and product finds (instead of creating another one). */
export const LIVE_STATUSES = ['active', 'suspended'] as const satisfies readonly AccountStatusName[];
export const isLive = (status: AccountStatusName): boolean => (LIVE_STATUSES as readonly string[]).includes(status);

/** What an event asks of an existing account. */
export type AccountAction =
  | 'change'
  | 'cancel'
  | 'suspend'
  | 'reactivate'
  | 'close'
  | 'assignUser'
  | 'unassignUser'
  | 'updateUser'
  | 'orderAddon'
  | 'changeAddon'
  | 'cancelAddon';

export type LifecycleDecision =
  | {
      readonly allowed: true;
      /** The status after the action (the same one when it does not move the account). */
      readonly to: AccountStatusName;
      readonly noChange: boolean;
    }
  | { readonly allowed: false; readonly code: EventErrorCode; readonly message: string };

type Move = AccountStatusName | 'stay';

interface Rule {
  /** What is refused, for the message ("The subscription is closed; <refused>."). */
  readonly refused: string;
  /** Which event asks for it (for the docs). */
  readonly events: string;
  /** The states it is allowed from, and where it leads; every other state refuses it. */
  readonly from: Partial<Record<AccountStatusName, Move>>;
}

const RULES: Readonly<Record<AccountAction, Rule>> = {
  change: {
    refused: 'it cannot be changed',
    events: 'SUBSCRIPTION_CHANGE',
    from: { active: 'stay', suspended: 'stay' },
  },
  // Cancelling what is already cancelled or closed is the state asked for: a success that changes nothing.
  cancel: {
    refused: 'it cannot be cancelled',
    events: 'SUBSCRIPTION_CANCEL',
    from: { active: 'cancelled', suspended: 'cancelled', cancelled: 'stay', closed: 'stay' },
  },
  suspend: {
    refused: 'it cannot be suspended',
    events: 'SUBSCRIPTION_NOTICE DEACTIVATED',
    from: { active: 'suspended', suspended: 'stay' },
  },
  reactivate: {
    refused: 'it cannot be reactivated',
    events: 'SUBSCRIPTION_NOTICE REACTIVATED',
    from: { active: 'stay', suspended: 'active' },
  },
  // AppDirect closes a subscription for good (normally after its cancellation): accepted from any state.
  close: {
    refused: 'it cannot be closed',
    events: 'SUBSCRIPTION_NOTICE CLOSED',
    from: { active: 'closed', suspended: 'closed', cancelled: 'closed', closed: 'stay' },
  },
  assignUser: { refused: 'users cannot be assigned', events: 'USER_ASSIGNMENT', from: { active: 'stay' } },
  unassignUser: {
    refused: 'users cannot be unassigned',
    events: 'USER_UNASSIGNMENT',
    from: { active: 'stay', suspended: 'stay', cancelled: 'stay' },
  },
  updateUser: {
    refused: 'its users cannot be updated',
    events: 'USER_UPDATED',
    from: { active: 'stay', suspended: 'stay', cancelled: 'stay' },
  },
  orderAddon: {
    refused: 'add-ons cannot be ordered on it',
    events: 'ADDON_ORDER, SUBSCRIPTION_ORDER with parentAccountIdentifier',
    from: { active: 'stay' },
  },
  changeAddon: {
    refused: 'its add-ons cannot be changed or bound',
    events: 'ADDON_CHANGE, ADDON_BIND',
    from: { active: 'stay', suspended: 'stay' },
  },
  cancelAddon: {
    refused: 'its add-ons cannot be cancelled or unbound',
    events: 'ADDON_CANCEL, ADDON_UNBIND, SUBSCRIPTION_CANCEL of an add-on',
    from: { active: 'stay', suspended: 'stay', cancelled: 'stay', closed: 'stay' },
  },
};

/** What the customer (or vendor) can do when a state refuses an action. */
const WAY_OUT: Readonly<Record<AccountStatusName, string>> = {
  active: '',
  suspended: 'Reactivate the subscription in AppDirect (it sends REACTIVATED), then try again.',
  cancelled: 'The subscription is cancelled: order the product again to start a new subscription.',
  closed: 'The subscription is closed for good: order the product again to start a new subscription.',
};

/** Actions that may move the account to another state (decided against its current state, never a past one). */
const STATUS_ACTIONS: ReadonlySet<AccountAction> = new Set(['cancel', 'suspend', 'reactivate', 'close']);
export const movesStatus = (action: AccountAction): boolean => STATUS_ACTIONS.has(action);

/** Whether `action` is allowed on an account in `status`, and where it leads. */
export function decide(action: AccountAction, status: AccountStatusName): LifecycleDecision {
  const rule = RULES[action];
  const move = rule.from[status];
  if (move === undefined) return { allowed: false, code: 'FORBIDDEN', message: refusalMessage(rule, status) };
  const to = move === 'stay' ? status : move;
  return { allowed: true, to, noChange: to === status };
}

function refusalMessage(rule: Rule, status: AccountStatusName): string {
  return `The subscription is ${status}; ${rule.refused}.`;
}

/** The whole table, for docs/errors.md: per action, where it moves the account and what refuses it. */
export function lifecycleRules(): Array<{
  action: AccountAction;
  events: string;
  moves: Array<{ from: AccountStatusName; to: AccountStatusName }>;
  refusals: Array<{ from: AccountStatusName; code: EventErrorCode; message: string; action: string }>;
}> {
  return (Object.entries(RULES) as Array<[AccountAction, Rule]>).map(([action, rule]) => ({
    action,
    events: rule.events,
    moves: ACCOUNT_STATUSES.flatMap((from) => {
      const move = rule.from[from];
      return move === undefined ? [] : [{ from, to: move === 'stay' ? from : move }];
    }),
    refusals: ACCOUNT_STATUSES.filter((from) => rule.from[from] === undefined).map((from) => ({
      from,
      code: 'FORBIDDEN' as const,
      message: refusalMessage(rule, from),
      action: WAY_OUT[from],
    })),
  }));
}

/** Seats asked for below the users assigned: the refusal's message (the event's and the restriction's). */
export function seatChangeRefusal(used: number, maxUsers: number | null): string | null {
  if (maxUsers === null || used <= maxUsers) return null;
  const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return (
    `${counted(used, 'user')} ${used === 1 ? 'is' : 'are'} assigned but the new plan has ${counted(maxUsers, 'seat')}: ` +
    `unassign ${counted(used - maxUsers, 'user')} first.`
  );
}

/** Every seat taken: the refusal's message for `adding` more users (the event's and the restriction's). */
export function seatsTakenRefusal(used: number, maxUsers: number | null, adding = 1): string | null {
  if (maxUsers === null || used + adding <= maxUsers) return null;
  const taken = maxUsers === 1 ? 'The only seat of this subscription is' : `All ${maxUsers} seats are`;
  if (used < maxUsers)
    return `${maxUsers - used} of ${maxUsers} seats are free but ${adding} users are to be assigned; buy more seats or unassign a user first.`;
  return `${taken} taken; buy more seats or unassign a user first.`;
}

/** The account action each operation AppDirect asks about becomes once it arrives as an event (an order: none). */
const OPERATION_ACTIONS: Readonly<Record<Exclude<RestrictedOperation, 'SUBSCRIPTION_ORDER'>, AccountAction>> = {
  SUBSCRIPTION_CHANGE: 'change',
  SUBSCRIPTION_CANCEL: 'cancel',
  USER_ASSIGNMENT: 'assignUser',
  USER_UNASSIGNMENT: 'unassignUser',
};

/**
 * The restriction code of a state's refusal. The SDK names no code for "not in this state"; these are the
 * nearest: a suspended subscription has a prerequisite (reactivation), a cancelled or closed one supports
 * nothing more.
 */
const STATE_RESTRICTION: Readonly<Record<AccountStatusName, RestrictionCode>> = {
  active: 'ACTION_NOT_SUPPORTED',
  suspended: 'PREREQUISITE_CONDITION_NOT_SATISFIED',
  cancelled: 'ACTION_NOT_SUPPORTED',
  closed: 'ACTION_NOT_SUPPORTED',
};

/** What the store knows when AppDirect asks whether an operation is restricted. */
export type RestrictionSubject =
  /** An initial order (no externalVendorId): the company's live account of this application, if any. */
  | { readonly kind: 'order'; readonly liveAccount: string | null }
  /** An operation on an account: null when the externalVendorId names none of ours. */
  | {
      readonly kind: 'account';
      readonly operation: RestrictedOperation;
      readonly account: {
        readonly status: AccountStatusName;
        readonly maxUsers: number | null;
        readonly seatsUsed: number;
      } | null;
      /** USER quantities the change asks for (one per edition pricing AppDirect sent). */
      readonly seatsAsked: readonly number[];
      /** Users to be assigned who do not hold a seat yet. */
      readonly newUsers: number;
    };

export interface StoreRestriction {
  readonly code: RestrictionCode;
  readonly message: string;
  /** Which seat quantity it is about (for the answer's edition fields). */
  readonly seatsAsked?: number;
}

/** The restrictions the account store finds; empty when the operation would succeed as an event now. */
export function restrictionsOf(subject: RestrictionSubject): StoreRestriction[] {
  if (subject.kind === 'order') {
    if (!subject.liveAccount) return [];
    return [
      {
        code: 'SUBSCRIPTION_ALREADY_EXISTS',
        message: `This company already has a subscription to this product (${subject.liveAccount}); change it instead of ordering again.`,
      },
    ];
  }
  const { account, operation } = subject;
  if (!account) {
    return [{ code: 'SUBSCRIPTION_NOT_FOUND_AT_ISV', message: 'The vendor has no subscription with this identifier.' }];
  }
  // An order naming an account is an add-on on it (the SDK calls it not an initial order).
  const action = operation === 'SUBSCRIPTION_ORDER' ? 'orderAddon' : OPERATION_ACTIONS[operation];
  const move = decide(action, account.status);
  if (!move.allowed) return [{ code: STATE_RESTRICTION[account.status], message: move.message }];
  if (operation === 'SUBSCRIPTION_CHANGE') {
    return subject.seatsAsked.flatMap((asked) => {
      const message = seatChangeRefusal(account.seatsUsed, asked);
      return message ? [{ code: 'SEAT_CHANGE_NOT_ALLOWED' as const, message, seatsAsked: asked }] : [];
    });
  }
  if (operation === 'USER_ASSIGNMENT' && subject.newUsers > 0) {
    const message = seatsTakenRefusal(account.seatsUsed, account.maxUsers, subject.newUsers);
    if (message) return [{ code: 'MAX_ENTITLEMENTS_REACHED', message }];
  }
  return [];
}

/** The restriction rules, for docs/errors.md: what the store restricts, with the code, and what the event would answer. */
export function restrictionRules(): Array<{ operation: string; when: string; code: RestrictionCode; event: string }> {
  const actions: Array<[string, AccountAction]> = [
    ...Object.entries(OPERATION_ACTIONS),
    ['SUBSCRIPTION_ORDER (with externalVendorId: an add-on on that account)', 'orderAddon'],
  ];
  const stateRules = actions.flatMap(([operation, action]) =>
    ACCOUNT_STATUSES.filter((status) => RULES[action].from[status] === undefined).map((status) => ({
      operation,
      when: `the account is ${status}`,
      code: STATE_RESTRICTION[status],
      event: 'FORBIDDEN',
    })),
  );
  return [
    {
      operation: 'SUBSCRIPTION_ORDER (initial: no externalVendorId)',
      when: 'the company already has a live (active or suspended) account of this application: a second ORDER would be answered with that same account, so the customer would pay for nothing new',
      code: 'SUBSCRIPTION_ALREADY_EXISTS',
      event: 'success, the existing account',
    },
    {
      operation: 'any, with externalVendorId',
      when: 'no account has that identifier',
      code: 'SUBSCRIPTION_NOT_FOUND_AT_ISV',
      event: 'ACCOUNT_NOT_FOUND',
    },
    ...stateRules,
    {
      operation: 'SUBSCRIPTION_CHANGE',
      when: 'a USER quantity below the users assigned (the message names both numbers)',
      code: 'SEAT_CHANGE_NOT_ALLOWED',
      event: 'FORBIDDEN',
    },
    {
      operation: 'USER_ASSIGNMENT',
      when: 'the users not yet assigned need more seats than are free',
      code: 'MAX_ENTITLEMENTS_REACHED',
      event: 'MAX_USERS_REACHED',
    },
  ];
}
