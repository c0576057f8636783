/**
 * After an event commits: the first attempt of its result POST and of each hook call happen right here;
 * only what fails becomes a job of its own (results / hooks queues), retried with backoff. A crash in
 * between loses nothing: the rows are committed and the sweeper enqueues what is still owed.
 */
import type { HookCallRecord } from '../hooks/kinds';
import { runHookCall } from '../hooks/run';
import type { Run } from '../inbox/outcomes';
import { deliverResult, type OwedDelivery } from '../report/deliver';
import type { JobDeps } from './deps';

/**
 * After a run commits (src/inbox/run.ts): the result POSTs of its events go out concurrently (at most
 * DELIVERY_CONCURRENCY at a time; AppDirect does not need them in order), and their product calls in order,
 * one after the other, as the account's calls always reach the product — after `previous`, the previous run's.
 */
export async function sendFollowUps(
  deps: JobDeps,
  run: Pick<Run, 'finished' | 'accountId' | 'callsOwedBefore'>,
  /** The previous run's follow-ups: this run's product calls are sent after that run's. */
  previous: Promise<void>,
): Promise<void> {
  const deliveries = run.finished.flatMap(({ token, delivery }) => (delivery ? [{ token, owed: delivery }] : []));
  const sendDeliveries = async () => {
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) {
        const { token, owed } = deliveries[next++]!;
        await deliverFirst(deps, token, owed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, deliveries.length) }, lane));
  };
  const calls = run.finished.flatMap(({ hookCalls }) => hookCalls);
  // The first call needs no look for an earlier owed call when the run saw none owed for its account.
  const noneOwedBefore = run.callsOwedBefore === false ? (run.accountId ?? undefined) : undefined;
  await Promise.all([sendDeliveries(), previous.then(() => sendCallsInOrder(deps, calls, noneOwedBefore))]);
}

const DELIVERY_CONCURRENCY = 8;

/**
 * The first attempt of a result POST; a failure becomes a results job with the rest of RESULT_MAX_ATTEMPTS
 * (the attempts count every POST), retried with backoff.
 */
async function deliverFirst(deps: JobDeps, token: string, owed: OwedDelivery): Promise<void> {
  const { producer, logger, metrics, config } = deps;
  const attemptsLeft = config.resultMaxAttempts - 1;
  try {
    const delivered = await deliverResult(deps, token, { isLastAttempt: attemptsLeft <= 0, owed });
    if (delivered !== 'nothing_to_do') metrics?.deliveriesTotal.inc({ outcome: delivered });
  } catch (error) {
    if (attemptsLeft <= 0) {
      metrics?.deliveriesTotal.inc({ outcome: 'failed' });
      return; // that was its only attempt: the delivery is failed (an operator can re-send it)
    }
    metrics?.deliveriesTotal.inc({ outcome: 'retrying' });
    await producer
      .enqueueResult(token, { delayMs: config.resultBackoffMs, attempts: attemptsLeft })
      .catch(() => undefined);
    logger.info({ token, err: (error as Error).message }, 'result POST failed; retrying with backoff');
  }
}

/**
 * Calls written by one commit, in their order. Only the first needs the check for an earlier owed call of
 * its account: each next one follows a call just taken. From the first that is not taken (waiting for an
 * earlier call, or failed), the rest become jobs, which keep the order.
 */
async function sendCallsInOrder(
  deps: JobDeps,
  calls: readonly HookCallRecord[],
  /** The account that had no call owed before these (its first call needs no check). */
  noneOwedBefore?: string,
): Promise<void> {
  for (const [index, call] of calls.entries()) {
    const first = index === 0 && call.accountId !== null && call.accountId === noneOwedBefore;
    let outcome: 'done' | 'skipped' | 'waiting' | 'failed';
    try {
      outcome = await runHookCall(deps, call, {
        earlierChecked: first || (index > 0 && calls[index - 1]!.accountId === call.accountId),
      });
    } catch (error) {
      deps.logger.warn(
        { hookCallId: call.id.toString(), err: (error as Error).message },
        'provisioning hook failed; retrying with backoff',
      );
      outcome = 'failed';
    }
    if (outcome === 'waiting' || outcome === 'failed') {
      for (const rest of calls.slice(index)) await deps.producer.enqueueHook(rest.id).catch(() => undefined);
      return;
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
