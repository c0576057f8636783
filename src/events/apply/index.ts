import { addonBind, addonCancel, addonChange, addonOrder, addonUnbind } from './addons';
import type { ApplyFunction, SqlApplyFunction } from './outcome';
import { subscriptionCancel, subscriptionChange, subscriptionNotice, subscriptionOrder } from './subscription';
import { userAssignment, userUnassignment, userUpdated } from './users';

export * from './outcome';

/**
 * One apply function per event type the service handles; any other type is a CONFIGURATION_ERROR. A Map:
 * the type is untrusted text, and names like `__proto__` or `toString` must be plain unknown types.
 */
export const APPLY_BY_TYPE: ReadonlyMap<string, ApplyFunction> = new Map([
  ['SUBSCRIPTION_ORDER', subscriptionOrder],
  ['SUBSCRIPTION_CHANGE', subscriptionChange],
  ['SUBSCRIPTION_CANCEL', subscriptionCancel],
  ['SUBSCRIPTION_NOTICE', subscriptionNotice],
  ['USER_ASSIGNMENT', userAssignment],
  ['USER_UNASSIGNMENT', userUnassignment],
  ['USER_UPDATED', userUpdated],
  ['ADDON_ORDER', addonOrder],
  ['ADDON_CHANGE', addonChange],
  ['ADDON_CANCEL', addonCancel],
  ['ADDON_BIND', addonBind],
  ['ADDON_UNBIND', addonUnbind],
]);

/**
 * The event types whose apply function is plain SQL only (SqlApplyContext): a group commit on `pg`
 * (src/inbox/group.ts) takes these; any other type is applied one by one, through Prisma.
 */
export const SQL_APPLY_BY_TYPE: ReadonlyMap<string, SqlApplyFunction> = new Map([
  ['USER_ASSIGNMENT', userAssignment],
  ['USER_UNASSIGNMENT', userUnassignment],
  ['USER_UPDATED', userUpdated],
]);
