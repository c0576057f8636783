/**
 * What an admin action works with. Every action commits its change and its audit row in one transaction,
 * then starts the job that carries the change out; its answer says what was committed.
 */
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logging/logger';
import type { Actor } from './audit';

/** The queue operations admin actions use (src/queue/producer.ts). */
export interface AdminQueues {
  ensureEventJob(token: string): Promise<boolean>;
  ensureResultJob(token: string): Promise<boolean>;
  ensureHookJob(hookCallId: bigint): Promise<boolean>;
  enqueueEventDelayed(token: string, delayMs: number): Promise<void>;
  removeEventJob(token: string): Promise<void>;
  promoteEvent(token: string): Promise<void>;
  promoteHook(hookCallId: bigint): Promise<void>;
  ensureReportJob(reportId: bigint): Promise<boolean>;
  promoteReport(reportId: bigint): Promise<void>;
}

export interface ActionContext {
  readonly prisma: PrismaClient;
  readonly queues: AdminQueues;
  /** Who asks: written in the audit row. */
  readonly by: Actor;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * Starts the job of a committed change. The change is made and audited, which is what the answer reports:
 * should Redis fail between the commit and here, the sweeper (every worker, every 5 s) starts a job for
 * every unfinished event, pending result and owed product call without one. So the failure is logged, and
 * the action is not answered as if nothing had happened.
 */
export async function startAfterCommit(
  ctx: ActionContext,
  target: string,
  start: () => Promise<unknown>,
): Promise<void> {
  try {
    await start();
  } catch (error) {
    ctx.logger.warn(
      { err: error, target, actor: ctx.by.actor },
      'admin action committed, but its job could not be enqueued; the sweeper will start it',
    );
  }
}
