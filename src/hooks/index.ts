/**
 * Vendor provisioning hooks: where a vendor plugs in its real product. They run
 * after the event's transaction commits, from the hooks queue, retried with
 * backoff until they succeed (make them idempotent: the same call may come twice).
 * While `accountCreated` has not succeeded, later events of the account wait and
 * finally report PENDING.
 *
 * Implement any subset of `ProvisioningHooks` in a module and name it in
 * PROVISIONING_HOOKS_MODULE (path relative to the working directory); export it
 * as `default` or as `hooks`.
 */
import path from 'node:path';
import { HOOK_KINDS, isHookKind, type HookKind } from './kinds';
import type { Logger } from '../logging/logger';

export interface HookContext {
  /** The event came from a product in development (flag DEVELOPMENT): skip billing, e-mails and other real-world effects. */
  readonly development: boolean;
  readonly eventToken: string;
  readonly logger: Logger;
}

/** Arguments are JSON objects as written by the apply functions (see src/events/apply). */
export type HookArgs = Record<string, unknown>;

export type ProvisioningHooks = Partial<Record<HookKind, (args: HookArgs, context: HookContext) => Promise<void>>>;

/** The default: record what would have been provisioned. */
export const loggingHooks: ProvisioningHooks = Object.fromEntries(
  HOOK_KINDS.map((kind) => [
    kind,
    async (args: HookArgs, context: HookContext) => {
      context.logger.info({ hook: kind, args, development: context.development, eventToken: context.eventToken }, 'provisioning hook (default: log only)');
    },
  ]),
);

export async function loadHooks(modulePath: string | undefined): Promise<ProvisioningHooks> {
  if (!modulePath) return loggingHooks;
  const loaded = (await import(path.resolve(modulePath))) as { default?: ProvisioningHooks; hooks?: ProvisioningHooks };
  const hooks = loaded.hooks ?? loaded.default;
  const entries = hooks && typeof hooks === 'object' ? Object.entries(hooks) : [];
  const valid = entries.length > 0 && entries.every(([kind, fn]) => isHookKind(kind) && typeof fn === 'function');
  if (!valid) {
    throw new Error(`${modulePath} exports no ProvisioningHooks (as default or hooks): expected functions named ${HOOK_KINDS.join(', ')}`);
  }
  return hooks as ProvisioningHooks;
}

/** Runs one recorded hook call. */
export async function callHook(hooks: ProvisioningHooks, kind: string, args: HookArgs, context: HookContext): Promise<void> {
  const hook = isHookKind(kind) ? hooks[kind] : undefined;
  if (hook) await hook(args, context);
}
