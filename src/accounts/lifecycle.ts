/**
 * The account lifecycle: which states an account can be in, and what each action does from each state.
 * Every refusal the apply functions report for an account's state comes from here, so the rules can be
 * read (and changed) in one place.
 */
import type { EventErrorCode } from '../errors/catalogue';
import { AccountStatus } from '../generated/prisma/enums';

export type AccountStatusName = AccountStatus;
export const ACCOUNT_STATUSES = Object.values(AccountStatus) as readonly AccountStatusName[];

/** What an event asks of an existing account. */
export type AccountAction = 'change' | 'cancel' | 'suspend' | 'reactivate' | 'close' | 'assignUser';

export type LifecycleDecision =
  | { readonly allowed: true; /** The status after the action (the same one when it does not move). */ readonly to: AccountStatusName; readonly noChange: boolean }
  | { readonly allowed: false; readonly code: EventErrorCode; readonly message: string };

interface Rule {
  /** States the action is allowed from, and the state it leads to (undefined: stays). */
  readonly from: Partial<Record<AccountStatusName, AccountStatusName | 'stay'>>;
  /** The refusal from any other state. */
  readonly refusal: (status: AccountStatusName) => { code: EventErrorCode; message: string };
}

const ALL_STATES = (to: AccountStatusName | 'stay'): Rule['from'] => Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, to]));

const RULES: Readonly<Record<AccountAction, Rule>> = {
  change: {
    from: { active: 'stay', suspended: 'stay' },
    refusal: (status) => ({ code: 'FORBIDDEN', message: `The subscription is ${status}; it cannot be changed.` }),
  },
  cancel: {
    from: ALL_STATES('cancelled'),
    refusal: (status) => ({ code: 'FORBIDDEN', message: `The subscription is ${status}; it cannot be cancelled.` }),
  },
  suspend: { from: ALL_STATES('suspended'), refusal: () => ({ code: 'FORBIDDEN', message: '' }) },
  reactivate: { from: ALL_STATES('active'), refusal: () => ({ code: 'FORBIDDEN', message: '' }) },
  close: { from: ALL_STATES('closed'), refusal: () => ({ code: 'FORBIDDEN', message: '' }) },
  assignUser: {
    from: { active: 'stay' },
    refusal: (status) => ({ code: 'FORBIDDEN', message: `The subscription is ${status}; users cannot be assigned.` }),
  },
};

/** Whether `action` is allowed on an account in `status`, and where it leads. */
export function decide(action: AccountAction, status: AccountStatusName): LifecycleDecision {
  const rule = RULES[action];
  const target = rule.from[status];
  if (target === undefined) return { allowed: false, ...rule.refusal(status) };
  const to = target === 'stay' ? status : target;
  return { allowed: true, to, noChange: to === status };
}
