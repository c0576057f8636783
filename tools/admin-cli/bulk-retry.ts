/**
 * Actions that may send AppDirect a second result (they ask first, or take --yes), and retries by filter:
 * counted first (--dry-run stops there), then queued and followed to the end.
 */
import { call, CliError, usageError, type Json } from './client';
import { progressBar } from './format';
import { filterOf, type Options } from './options';
import type { RunContext } from './spec';

/**
 * POST `target`; when the service answers EVENT_RETRY_NEEDS_FORCE and --force was given, asks (or takes
 * --yes) and sends it again with force. Without --force the refusal is the answer (exit 1).
 */
export async function postWithForce(
  context: RunContext,
  target: string,
  options: Options,
  question: string,
): Promise<Json> {
  try {
    return await call(context.connection, 'POST', target, {});
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== 'EVENT_RETRY_NEEDS_FORCE' || !options.force) throw error;
    if (!(await context.confirm(question, options.yes === true)))
      throw new CliError('nothing was changed (not confirmed)', 'NOT_CONFIRMED');
    return call(context.connection, 'POST', target, { force: true });
  }
}

/** Bulk retry by filter: counts first (--dry-run stops there), then queues and follows the events' progress. */
export async function bulkRetry(context: RunContext, options: Options, body: Record<string, unknown>): Promise<void> {
  const filter = filterOf(options);
  if (Object.keys(filter).length === 0)
    throw usageError('give an event token, or at least one filter (e.g. --status failed --error-code TRANSPORT_ERROR)');
  const ask = (extra: Record<string, unknown>) =>
    call(context.connection, 'POST', '/events/retry', { ...filter, ...body, ...extra });
  const dry = (await ask({ dryRun: true })) as { matched: number; rerun: number; resendResult: number };
  if (options.dryRun)
    return context.output(dry, () =>
      body.action === 'resend_result'
        ? `${dry.matched} event(s) would have their result re-sent`
        : body.action === 'rerun'
          ? `${dry.matched} event(s) would run again`
          : `${dry.matched} event(s) would be retried (${dry.rerun} run again, ${dry.resendResult} result(s) re-sent)`,
    );
  const force =
    options.force === true &&
    (await context.confirm(
      'Events among these whose answer AppDirect already received will run again and send a second result.',
      options.yes === true,
    ));
  if (options.force && !force) throw new CliError('nothing was changed (not confirmed)', 'NOT_CONFIRMED');
  const real = (await ask(body.action === 'resend_result' ? {} : { force })) as {
    queued: number;
    rerun: number;
    resendResult: number;
    perSecond: number;
    needsForce: number;
  };
  if (!context.json) {
    console.log(
      `retrying ${real.queued} event(s) (${real.rerun} run again, ${real.resendResult} result(s) re-sent), at most ${real.perSecond} per second`,
    );
    if (real.needsForce > 0)
      console.log(
        `skipped ${real.needsForce} event(s) whose answer AppDirect already received (--force runs them again)`,
      );
  }
  // Progress: how many of them are no longer retryable (finished well); stops when nothing moves for 30 s.
  let remaining = real.queued;
  let lastChange = Date.now();
  while (remaining > 0 && Date.now() - lastChange < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = ((await ask({ dryRun: true })) as { matched: number }).matched;
    const stillRetryable = Math.max(0, now - (dry.matched - real.queued));
    if (stillRetryable !== remaining) lastChange = Date.now();
    remaining = stillRetryable;
    if (process.stdout.isTTY && !context.json)
      process.stdout.write(`\r${progressBar(real.queued - remaining, real.queued)} finished`);
  }
  if (process.stdout.isTTY && !context.json) process.stdout.write('\n');
  context.output({ dryRun: false, matched: dry.matched, ...real, finished: real.queued - remaining, remaining }, () =>
    remaining === 0
      ? `all ${real.queued} retried event(s) finished`
      : `${real.queued - remaining} finished; ${remaining} still failed or in progress (see events list)`,
  );
}
