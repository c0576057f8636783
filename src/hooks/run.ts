import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import { callHook, type HookArgs, type ProvisioningHooks } from './index';

/**
 * Runs hook call `id` once; marks it done (and the account provisioned after
 * `accountCreated`). Throws when the hook fails, so the queue retries it.
 */
export async function runHookCall(deps: { prisma: PrismaClient; hooks: ProvisioningHooks; logger: Logger }, id: bigint): Promise<void> {
  const call = await deps.prisma.hookCall.findUnique({ where: { id } });
  if (!call || call.done) return;
  try {
    await callHook(deps.hooks, call.kind, call.args as HookArgs, {
      development: call.development,
      eventToken: call.eventToken,
      logger: deps.logger.child({ hookCallId: id.toString() }),
    });
  } catch (error) {
    await deps.prisma.hookCall.update({ where: { id }, data: { attempts: { increment: 1 }, lastError: String((error as Error).message).slice(0, 2000) } });
    throw error;
  }
  await deps.prisma.$transaction(async (tx) => {
    await tx.hookCall.update({ where: { id }, data: { done: true, doneAt: new Date(), attempts: { increment: 1 }, lastError: null } });
    if (call.kind === 'accountCreated' && call.accountId) {
      await tx.account.update({ where: { id: call.accountId }, data: { provisioningStatus: 'done' } });
    }
  });
}

/** The hook will not be retried any more: an account it was creating is marked failed. */
export async function abandonHookCall(prisma: PrismaClient, id: bigint): Promise<void> {
  const call = await prisma.hookCall.findUnique({ where: { id } });
  if (call?.kind === 'accountCreated' && call.accountId) {
    await prisma.account.update({ where: { id: call.accountId }, data: { provisioningStatus: 'failed' } });
  }
}
