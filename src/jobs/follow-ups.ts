/**
 * After an event commits: the first attempt of its result POST and of each hook call happen right here;
 * only what fails becomes a job of its own (results / hooks queues), retried with backoff. A crash in
 * between loses nothing: the rows are committed and the sweeper enqueues what is still owed.
 */
import type { HookCallRecord } from '../hooks/kinds';
import { runHookCall, runHookCallsOfAccount } from '../hooks/run';
import type { GroupedEvent } from '../inbox/group';
import type { RunResult } from '../inbox/run';
import { deliverResult, type OwedDelivery } from '../report/deliver';
import type { JobDeps } from './deps';

export async function followUps(
  deps: JobDeps,
  token: string,
  outcome: RunResult & { kind: 'finished' },
): Promise<void> {
  const { producer, logger } = deps;
  if (outcome.delivery) await deliverFirst(deps, token, outcome.delivery);
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

/**
 * After a group commit (src/inbox/group.ts): the result POSTs of its events go out concurrently (at most
 * DELIVERY_CONCURRENCY at a time; AppDirect does not need them in order), and their product calls in
 * order, one after the other, as the account's calls always reach the product.
 */
export async function groupFollowUps(
  deps: JobDeps,
  finished: readonly GroupedEvent[],
  /** The previous group's follow-ups: this group's product calls are sent after that group's. */
  previous: Promise<void>,
): Promise<void> {
  const deliveries = finished.flatMap(({ token, outcome }) =>
    outcome.delivery ? [{ token, owed: outcome.delivery }] : [],
  );
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
  // Whether a call of the account was owed before the first event of the group that made calls.
  const firstWithCalls = finished.find(({ outcome }) => outcome.hookCalls.length > 0)?.outcome;
  const noneOwedBefore =
    firstWithCalls?.callsOwedBefore === false ? (firstWithCalls.accountId ?? undefined) : undefined;
  const calls = finished.flatMap(({ outcome }) => outcome.hookCalls);
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
