import { addonBind, addonCancel, addonChange, addonOrder, addonUnbind } from './addons';
import type { ApplyFunction } from './outcome';
import { subscriptionCancel, subscriptionChange, subscriptionNotice, subscriptionOrder } from './subscription';
import { userAssignment, userUnassignment, userUpdated } from './users';

export * from './outcome';

/** One apply function per event type the service handles; any other type is a CONFIGURATION_ERROR. */
export const APPLY_BY_TYPE: Readonly<Record<string, ApplyFunction>> = {
  SUBSCRIPTION_ORDER: subscriptionOrder,
  SUBSCRIPTION_CHANGE: subscriptionChange,
  SUBSCRIPTION_CANCEL: subscriptionCancel,
  SUBSCRIPTION_NOTICE: subscriptionNotice,
  USER_ASSIGNMENT: userAssignment,
  USER_UNASSIGNMENT: userUnassignment,
  USER_UPDATED: userUpdated,
  ADDON_ORDER: addonOrder,
  ADDON_CHANGE: addonChange,
  ADDON_CANCEL: addonCancel,
  ADDON_BIND: addonBind,
  ADDON_UNBIND: addonUnbind,
};
