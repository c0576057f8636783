/**
 * The admin CLI's commands, declared once: each one's path, arguments, options and what it does. The
 * program (program.ts) and its help are built from this table; a test compares the help with it.
 */
import { InvalidArgumentError, Option } from 'commander';
import { EVENT_STATUSES } from '../../src/inbox/statuses';
import { call, CliError, usageError, type Connection, type Json } from './client';
import { formatAccount, formatEvent, formatProductCalls, progressBar, table, type ProductCallsView } from './format';
import { formatOverview } from './overview';
import type { CommandSpec, RunContext } from './program';

/** A whole number in [min, max], for options such as --limit (a wrong value is a command-line error). */
const wholeNumber = (min: number, max: number) => (value: string) => {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max)
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
  return value;
};

/** The admin API takes instants with a time and an offset (2026-03-01T00:00:00Z). */
const instant = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || !Date.parse(value))
    throw new InvalidArgumentError('must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T00:00:00Z.');
  return value;
};

/** Event filters: option -> the admin API's field. */
const FILTERS = {
  status: 'status',
  type: 'type',
  account: 'accountIdentifier',
  company: 'companyUuid',
  errorCode: 'errorCode',
  from: 'from',
  to: 'to',
} as const;

const filterOptions = (): Option[] => [
  new Option('--status <status>', 'events in this status').choices(EVENT_STATUSES),
  new Option('--type <type>', 'event type, e.g. SUBSCRIPTION_ORDER'),
  new Option('--account <accountIdentifier>', "the account's events"),
  new Option('--company <companyUuid>', "the company's events"),
  new Option('--error-code <code>', 'events answered with this code, e.g. TRANSPORT_ERROR'),
  new Option('--from <instant>', 'received at or after (ISO 8601 with an offset)').argParser(instant),
  new Option('--to <instant>', 'received before (ISO 8601 with an offset)').argParser(instant),
];

function filterOf(options: Record<string, string | boolean | undefined>): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [option, field] of Object.entries(FILTERS))
    if (typeof options[option] === 'string') filter[field] = options[option];
  return filter;
}

const forceOptions = (what: string): Option[] => [
  new Option('--force', `${what} although AppDirect already received its answer (it gets a second result)`),
  new Option('--yes', 'answer yes to the question --force asks (for scripts)'),
];

const path = (...segments: string[]) => `/${segments.map(encodeURIComponent).join('/')}`;

async function productCalls(connection: Connection, token: string): Promise<ProductCallsView> {
  return (await call(connection, 'GET', `${path('events', token)}/product-calls`)) as unknown as ProductCallsView;
}

/**
 * POST `target`; when the service answers EVENT_RETRY_NEEDS_FORCE and --force was given, asks (or takes
 * --yes) and sends it again with force. Without --force the refusal is the answer (exit 1).
 */
async function postWithForce(
  context: RunContext,
  target: string,
  options: Record<string, string | boolean | undefined>,
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
async function bulkRetry(
  context: RunContext,
  options: Record<string, string | boolean | undefined>,
  body: Record<string, unknown>,
): Promise<void> {
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

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['overview'],
    summary: 'what needs action, what is in flight, the workers, the queues and the last 24 hours (or 7 days)',
    options: () => [new Option('--window <window>', 'the period shown').choices(['24h', '7d']).default('24h')],
    async run(context, _args, options) {
      const window = String(options.window);
      const overview = await call(context.connection, 'GET', `/overview?${new URLSearchParams({ window })}`);
      context.output(overview, () => formatOverview(overview, table));
    },
  },
  {
    path: ['events', 'list'],
    summary: 'events, newest first',
    options: () => [
      ...filterOptions(),
      new Option('--limit <n>', 'events per page (1 to 200)').argParser(wholeNumber(1, 200)).default('50'),
      new Option('--all', 'every page, not only the first'),
    ],
    async run(context, _args, options) {
      const rows: Json[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({
          ...filterOf(options),
          limit: String(options.limit),
          ...(cursor ? { cursor } : {}),
        });
        const page = (await call(context.connection, 'GET', `/events?${query}`)) as {
          items: Json[];
          nextCursor: string | null;
        };
        rows.push(...page.items);
        cursor = options.all ? page.nextCursor : null;
      } while (cursor);
      context.output({ items: rows }, () =>
        table(rows, [
          'receivedAt',
          'status',
          'type',
          'errorCode',
          'accountIdentifier',
          'companyName',
          'attempts',
          'token',
        ]),
      );
    },
  },
  {
    path: ['events', 'show'],
    summary: 'an event: its fields, every attempt, its result delivery and its product calls',
    args: ['<token>'],
    async run(context, [token]) {
      const event = (await call(context.connection, 'GET', path('events', token!))) as Parameters<
        typeof formatEvent
      >[0];
      if (context.json) return context.output(event, () => '');
      const calls = await productCalls(context.connection, token!);
      const extra = calls.calls.length || calls.decisions.length ? `\n\n${formatProductCalls(calls)}` : '';
      context.output(event, () => `${formatEvent(event)}${extra}`);
    },
  },
  {
    path: ['events', 'retry'],
    summary:
      "each event's usual remedy, one event or by filter: a failed or refused event runs again, any other whose result failed to deliver gets it re-sent (to choose: events rerun, events resend-result)",
    args: ['[token]'],
    options: () => [
      ...filterOptions(),
      new Option('--dry-run', 'only count what would be retried'),
      ...forceOptions('run it again'),
    ],
    async run(context, [token], options) {
      if (!token) return bulkRetry(context, options, {});
      const answer = await postWithForce(
        context,
        `${path('events', token)}/retry`,
        options,
        `AppDirect already received the answer of ${token}; running it again sends a second result.`,
      );
      context.output(answer, () =>
        answer.retry === 'resend_result' ? `re-sending the result of ${token}` : `running ${token} again`,
      );
    },
  },
  {
    path: ['events', 'rerun'],
    summary: 'run one event again from the fetch, or every failed or refused event matching the filters',
    args: ['[token]'],
    options: () => [
      ...filterOptions(),
      new Option('--dry-run', 'only count the events that would run again'),
      ...forceOptions('run it again'),
    ],
    async run(context, [token], options) {
      if (!token) return bulkRetry(context, options, { action: 'rerun' });
      const answer = await postWithForce(
        context,
        `${path('events', token)}/rerun`,
        options,
        `AppDirect already received the answer of ${token}; running it again sends a second result.`,
      );
      context.output(answer, () => `running ${token} again`);
    },
  },
  {
    path: ['events', 'resend-result'],
    summary:
      "re-send one event's stored result to AppDirect, or the results that failed to deliver of the events matching the filters (nothing runs again)",
    args: ['[token]'],
    options: () => [...filterOptions(), new Option('--dry-run', 'only count the results that would be re-sent')],
    async run(context, [token], options) {
      if (!token) return bulkRetry(context, options, { action: 'resend_result' });
      const answer = await call(context.connection, 'POST', `${path('events', token)}/resend-result`, {});
      context.output(answer, () => `re-sending the result of ${token}`);
    },
  },
  {
    path: ['events', 'cancel'],
    summary: 'stop an unfinished event and report OPERATION_CANCELLED to AppDirect',
    args: ['<token>'],
    async run(context, [token]) {
      const answer = await call(context.connection, 'POST', `${path('events', token!)}/cancel`, {});
      context.output(answer, () => `cancelled ${token}; OPERATION_CANCELLED will be reported to AppDirect`);
    },
  },
  {
    path: ['events', 'calls'],
    summary: "the event's calls to your product, with every attempt",
    args: ['<token>'],
    async run(context, [token]) {
      const calls = await productCalls(context.connection, token!);
      context.output(calls, () => formatProductCalls(calls) || 'no product calls');
    },
  },
  {
    path: ['events', 'resend-call'],
    summary: 'send an owed notify call again now (same webhook-id)',
    args: ['<token>', '<callId>'],
    async run(context, [token, callId]) {
      const answer = await call(
        context.connection,
        'POST',
        `${path('events', token!)}/product-calls/${encodeURIComponent(callId!)}/resend`,
        {},
      );
      context.output(answer, () => `sending product call ${callId} of ${token} again`);
    },
  },
  {
    path: ['events', 'reask'],
    summary: 'ask your product again for the decision (a failed or refused event runs again from the start)',
    args: ['<token>'],
    options: () => forceOptions('run it again'),
    async run(context, [token], options) {
      const answer = await postWithForce(
        context,
        `${path('events', token!)}/product-calls/reask`,
        options,
        `AppDirect already received the answer of ${token}; running it again sends a second result.`,
      );
      context.output(answer, () =>
        answer.reask === 'reasked' ? `asking the product again for ${token}` : `running ${token} again`,
      );
    },
  },
  {
    path: ['accounts', 'show'],
    summary: 'an account: seats, users, add-ons and latest events',
    args: ['<accountIdentifier>'],
    async run(context, [accountIdentifier]) {
      const account = (await call(context.connection, 'GET', path('accounts', accountIdentifier!))) as Parameters<
        typeof formatAccount
      >[0];
      context.output(account, () => formatAccount(account));
    },
  },
  {
    path: ['accounts', 'search'],
    summary: 'accounts by company name, company uuid or user e-mail (matched as written)',
    args: ['<text>'],
    async run(context, [text]) {
      const found = await call(context.connection, 'GET', `/accounts?${new URLSearchParams({ search: text! })}`);
      context.output(found, () =>
        table(found.items as Json[], [
          'accountIdentifier',
          'companyName',
          'status',
          'editionCode',
          'seatsUsed',
          'maxUsers',
        ]),
      );
    },
  },
];
