import { markProvisioned, markProvisioningFailed } from '../accounts/accounts';
import type { Prisma, PrismaClient } from '../db/client';
import { describeFailure } from '../errors/internal';
import type { Logger } from '../logging/logger';
import { callHook, type HookArgs, type ProvisioningHooks } from './index';
import type { HookCallRecord } from './kinds';

/**
 * Runs a hook call once — given by id (read first; a call already done is skipped), or as just
 * written by the event's commit — and marks it done (and the account provisioned after
 * `accountCreated`). Throws when the hook fails, so the queue retries it.
 */
export async function runHookCall(deps: { prisma: PrismaClient; hooks: ProvisioningHooks; logger: Logger }, idOrCall: bigint | HookCallRecord): Promise<void> {
  const call = typeof idOrCall === 'bigint' ? await deps.prisma.hookCall.findUnique({ where: { id: idOrCall } }) : { ...idOrCall, done: false };
  if (!call || call.done) return;
  const id = call.id;
  try {
    await callHook(deps.hooks, call.kind, call.args as HookArgs, {
      development: call.development,
      eventToken: call.eventToken,
      logger: deps.logger.child({ hookCallId: id.toString() }),
    });
  } catch (error) {
    await deps.prisma.hookCall.update({ where: { id }, data: { attempts: { increment: 1 }, lastError: describeFailure(error) } });
    throw error;
  }
  const markDone = (db: Prisma.TransactionClient) =>
    db.hookCall.update({ where: { id }, data: { done: true, doneAt: new Date(), attempts: { increment: 1 }, lastError: null } });
  const accountId = call.kind === 'accountCreated' ? call.accountId : null;
  if (!accountId) {
    await markDone(deps.prisma);
    return;
  }
  // The account's later events wait until it is provisioned (see runEvent): both facts commit together.
  await deps.prisma.$transaction(async (tx) => {
    await markDone(tx);
    await markProvisioned(tx, accountId);
  });
}

/** The hook will not be retried any more: an account it was creating is marked failed. */
export async function abandonHookCall(prisma: PrismaClient, id: bigint): Promise<void> {
  const call = await prisma.hookCall.findUnique({ where: { id } });
  if (call?.kind === 'accountCreated' && call.accountId) await markProvisioningFailed(prisma, call.accountId);
}
