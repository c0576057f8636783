/**
 * Every event type the service handles, one entry each: how its apply function changes the account store,
 * which lifecycle action it asks of the account, which calls it may make to the product, what serialises it,
 * and how it runs among the account's waiting events. Its document's schema is its member of the union in
 * ./schema.ts. The compiler holds the two together: an entry per type of the union, each apply function
 * taking its own type's document.
 */
import type { AccountAction } from '../accounts/lifecycle';
import type { HookKind } from '../hooks/kinds';
import { addonBind, addonCancel, addonChange, addonOrder, addonUnbind } from './apply/addons';
import type { ApplyFunction } from './apply/outcome';
import { subscriptionCancel, subscriptionChange, subscriptionNotice, subscriptionOrder } from './apply/subscription';
import { userAssignment, userUnassignment, userUpdated } from './apply/users';
import type { DocumentOf, EventDocument, EventType } from './schema';

/**
 * How an event of the type runs among its account's waiting events (src/inbox/runner.ts):
 *  - `inOrder`: decided in arrival order, with the events before and after it in one transaction;
 *  - `ahead`: run at once when its own job (or the callback) runs it, ahead of the account's queued events,
 *    which stay decided as of their arrival (SUBSCRIPTION_NOTICE: the marketplace's state has already changed,
 *    and AppDirect waits for the answer); in order when another event's run reaches it;
 *  - `alone`: in a transaction of its own, under a lock of its own (a new account's ORDER: there is no account
 *    yet whose events it could join).
 */
export type RunsAs = 'inOrder' | 'ahead' | 'alone';

export interface EventTypeEntry<T extends EventType> {
  readonly apply: ApplyFunction<DocumentOf<T>>;
  /** What it asks of an existing account (docs/errors.md's lifecycle table); none for a new account. */
  readonly actions: readonly AccountAction[];
  /** The calls to the product it may make (src/hooks/kinds.ts). */
  readonly calls: readonly HookKind[];
  /**
   * What serialises it: its account (`payload.account.accountIdentifier`), or for an order that makes a new
   * account the company and product; null when nothing does.
   */
  lockKey(document: DocumentOf<T>): string | null;
  runsAs(document: DocumentOf<T>): RunsAs;
}

const inOrder = (): RunsAs => 'inOrder';

/** The account's lock: the account the document names, or the parent of an add-on it names (v2 add-on events). */
const ofAccount = (document: {
  payload: { account?: { accountIdentifier?: string; parentAccountIdentifier?: string } };
}): string | null => {
  const account = document.payload.account;
  const id = account?.parentAccountIdentifier ?? account?.accountIdentifier;
  return id ? `account:${id}` : null;
};

export const EVENT_REGISTRY: { readonly [T in EventType]: EventTypeEntry<T> } = {
  SUBSCRIPTION_ORDER: {
    apply: subscriptionOrder,
    actions: ['orderAddon'],
    calls: ['accountCreated', 'addonOrdered'],
    // An add-on order (parentAccountIdentifier) joins its parent's events; a new account's order runs alone,
    // serialised with the company's other orders of the product.
    lockKey: (document) => {
      if (document.payload.account?.parentAccountIdentifier) return ofAccount(document);
      const company = document.payload.company;
      return company ? `order:${company.uuid}:${document.applicationUuid ?? ''}` : null;
    },
    // An add-on's order is filed under its parent (src/inbox/document.ts) and runs in order with its events.
    runsAs: (document) => (document.payload.account?.parentAccountIdentifier ? 'inOrder' : 'alone'),
  },
  SUBSCRIPTION_CHANGE: {
    apply: subscriptionChange,
    actions: ['change'],
    calls: ['accountChanged'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  SUBSCRIPTION_CANCEL: {
    apply: subscriptionCancel,
    actions: ['cancel', 'cancelAddon'],
    calls: ['accountCancelled', 'addonCancelled'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  SUBSCRIPTION_NOTICE: {
    apply: subscriptionNotice,
    actions: ['suspend', 'reactivate', 'close'],
    calls: ['accountSuspended', 'accountReactivated', 'accountClosed', 'upcomingInvoice'],
    lockKey: ofAccount,
    runsAs: () => 'ahead',
  },
  USER_ASSIGNMENT: {
    apply: userAssignment,
    actions: ['assignUser'],
    calls: ['userAssigned'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  USER_UNASSIGNMENT: {
    apply: userUnassignment,
    actions: ['unassignUser'],
    calls: ['userUnassigned'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  USER_UPDATED: {
    apply: userUpdated,
    actions: ['updateUser'],
    calls: ['userUpdated'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  ADDON_ORDER: {
    apply: addonOrder,
    actions: ['orderAddon'],
    calls: ['addonOrdered'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  ADDON_CHANGE: {
    apply: addonChange,
    actions: ['changeAddon'],
    calls: ['addonChanged'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  ADDON_CANCEL: {
    apply: addonCancel,
    actions: ['cancelAddon'],
    calls: ['addonCancelled'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  ADDON_BIND: {
    apply: addonBind,
    actions: ['changeAddon'],
    calls: ['addonBound'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
  ADDON_UNBIND: {
    apply: addonUnbind,
    actions: ['cancelAddon'],
    calls: ['addonUnbound'],
    lockKey: ofAccount,
    runsAs: inOrder,
  },
};

/** The entry of a document's type, typed for that document. */
export function entryOf<D extends EventDocument>(document: D): EventTypeEntry<D['type']> {
  return EVENT_REGISTRY[document.type] as EventTypeEntry<D['type']>;
}

/** How the document's event runs among its account's (see RunsAs). */
export const runsAsOf = (document: EventDocument): RunsAs =>
  (EVENT_REGISTRY[document.type].runsAs as (document: EventDocument) => RunsAs)(document);

/** What serialises the document's event (its account's lock, or its company's for a new account's order). */
export const lockKeyOf = (document: EventDocument): string | null =>
  (EVENT_REGISTRY[document.type].lockKey as (document: EventDocument) => string | null)(document);

/** Runs the document's apply function with its own type's context. */
export const applyOf = (document: EventDocument) => EVENT_REGISTRY[document.type].apply as ApplyFunction<EventDocument>;
