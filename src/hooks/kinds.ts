/**
 * What the vendor's provisioning hooks are told about: one list, from which the type and every
 * check come. A new kind is added here (and written by the apply function that causes it).
 */
export const HOOK_KINDS = [
  'accountCreated',
  'accountChanged',
  'accountSuspended',
  'accountReactivated',
  'accountCancelled',
  'accountClosed',
  'userAssigned',
  'userUnassigned',
  'userUpdated',
  'addonOrdered',
  'addonChanged',
  'addonCancelled',
  'addonBound',
  'addonUnbound',
] as const;

export type HookKind = (typeof HOOK_KINDS)[number];

export const isHookKind = (value: string): value is HookKind => (HOOK_KINDS as readonly string[]).includes(value);

/** A notify call as written with the event's final state: made right after commit without reading it back. */
export interface HookCallRecord {
  readonly id: bigint;
  readonly kind: string;
  /** The call as the contract defines it (src/hooks/contract.ts), stored in hook_calls.args. */
  readonly call: unknown;
  readonly accountId: string | null;
  readonly eventToken: string;
}
