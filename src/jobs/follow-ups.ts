/**
 * After an event commits: the first attempt of its result POST and of each hook call happen right here;
 * only what fails becomes a job of its own (results / hooks queues), retried with backoff. A crash in
 * between loses nothing: the rows are committed and the sweeper enqueues what is still owed.
 */
import { runHookCallsOfAccount } from '../hooks/run';
import type { RunResult } from '../inbox/run';
import { deliverResult } from '../report/deliver';
import type { JobDeps } from './deps';

export async function followUps(
  deps: JobDeps,
  token: string,
  outcome: RunResult & { kind: 'finished' },
): Promise<void> {
  const { producer, logger, metrics, config } = deps;
  if (outcome.delivery) {
    try {
      const delivered = await deliverResult(deps, token, { isLastAttempt: false, owed: outcome.delivery });
      if (delivered !== 'nothing_to_do') metrics?.deliveriesTotal.inc({ outcome: delivered });
    } catch (error) {
      metrics?.deliveriesTotal.inc({ outcome: 'retrying' });
      await producer.enqueueResult(token, { delayMs: config.resultBackoffMs }).catch(() => undefined);
      logger.info({ token, err: (error as Error).message }, 'result POST failed; retrying with backoff');
    }
  }
  for (const call of outcome.hookCalls) {
    try {
      // Waiting for an earlier call of the account: its job (or the worker sending the earlier one) sends it.
      if ((await runHookCallsOfAccount(deps, call)) === 'waiting')
        await producer.enqueueHook(call.id).catch(() => undefined);
    } catch (error) {
      logger.warn(
        { hookCallId: call.id.toString(), err: (error as Error).message },
        'provisioning hook failed; retrying with backoff',
      );
      await producer.enqueueHook(call.id).catch(() => undefined);
    }
  }
}

/** Counts a finished event in the process's metrics. */
export function countSettled(deps: Pick<JobDeps, 'metrics'>, type: string | null, code: string, startedAt: Date): void {
  if (!deps.metrics) return;
  deps.metrics.eventsTotal.inc({ type: type ?? 'unknown', code });
  deps.metrics.eventSeconds.observe({ type: type ?? 'unknown' }, (Date.now() - startedAt.getTime()) / 1000);
  deps.metrics.lastConsumed.set(Date.now() / 1000);
}
