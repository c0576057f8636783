import type { PrismaClient } from '../db/client';
import type { HookCallRecord } from '../inbox/finalize';
import type { Logger } from '../logging/logger';
import { callHook, type HookArgs, type ProvisioningHooks } from './index';

/**
 * Runs a hook call once — given by id (read first; a call already done is skipped), or as just
 * written by the event's commit — and marks it done (and the account provisioned after
 * `accountCreated`) in one statement. Throws when the hook fails, so the queue retries it.
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
    await deps.prisma.hookCall.update({ where: { id }, data: { attempts: { increment: 1 }, lastError: String((error as Error).message).slice(0, 2000) } });
    throw error;
  }
  await deps.prisma.$executeRaw`
    WITH done AS (
      UPDATE hook_calls SET done = true, "doneAt" = now(), attempts = attempts + 1, "lastError" = NULL
      WHERE id = ${id}
      RETURNING kind, "accountId"
    )
    UPDATE accounts SET "provisioningStatus" = 'done', "updatedAt" = now()
    FROM done WHERE done.kind = 'accountCreated' AND accounts.id = done."accountId"`;
}

/** The hook will not be retried any more: an account it was creating is marked failed. */
export async function abandonHookCall(prisma: PrismaClient, id: bigint): Promise<void> {
  const call = await prisma.hookCall.findUnique({ where: { id } });
  if (call?.kind === 'accountCreated' && call.accountId) {
    await prisma.account.update({ where: { id: call.accountId }, data: { provisioningStatus: 'failed' } });
  }
}
