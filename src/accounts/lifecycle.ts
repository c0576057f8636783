/**
 * The account lifecycle: the states an account can be in, and what each action does from each state.
 * Every refusal the apply functions report for an account's state comes from here, and docs/errors.md's
 * "Subscription states" section is rendered from the same table, so the rules are read (and changed)
 * in one place.
 *
 *   active ──DEACTIVATED──▶ suspended ──REACTIVATED──▶ active
 *   active | suspended ──CANCEL──▶ cancelled ──CLOSED──▶ closed
 *   (CLOSED is accepted from any state; closed is final. A new ORDER after cancelled/closed creates a new account.)
 */
import type { EventErrorCode } from '../errors/catalogue';
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
