/**
 * appdirect-provisioner-admin <command>   (or npm run admin -- <command>; against the admin API, local or remote)
 *
 *   overview      [--window 24h|7d]
 *   events list   [filters] [--limit N] [--all]
 *   events show   <token>
 *   events retry  <token> [--force]           --force: run it again although AppDirect received its failure (asks first)
 *   events retry  [filters] [--dry-run] [--force]   retry every retryable event matching the filters
 *   events cancel <token>
  events calls  <token>
  events resend-call <token> <callId>
  events reask  <token>
 *   events calls  <token>                     the event's calls to your product, with every attempt
 *   events resend-call <token> <id>           send an owed notify call again (same webhook-id)
 *   events reask  <token>                     ask the product again for the event's decision
 *   accounts show <accountIdentifier>
 *   accounts search <company name | company uuid | user e-mail>
 *
 * Filters: --status --type --account --company --error-code --from --to (ISO dates).
 * Every command takes --json: the API's JSON on stdout (stable field names, as in the OpenAPI document),
 * and on failure {"error":{code,message,action}} on stderr. Exit status: 0 done, 1 the service refused or
 * could not be reached, 2 the command line is wrong.
 * Connection: --url (default ADMIN_URL, else http://127.0.0.1:$PORT) and --token (default ADMIN_TOKEN;
 * of `name:token,…` the first token is used).
 */
import { parseArgs } from 'node:util';
import { formatOverview } from './admin-cli-overview';

const USAGE = `usage: appdirect-provisioner-admin <command> [options]   (or: npm run admin -- <command> [options])
  overview      [--window 24h|7d]
  events list   [filters] [--limit N] [--all]
  events show   <token>
  events retry  <token> | [filters] [--dry-run]   [--force [--yes]]
  events cancel <token>
  accounts show <accountIdentifier>
  accounts search <company name | company uuid | user e-mail>
filters: --status --type --account --company --error-code --from --to
connection: --url (ADMIN_URL) --token (ADMIN_TOKEN)
output: --json (machine-readable, on stdout; errors as JSON on stderr)
exit status: 0 done, 1 refused by the service or unreachable, 2 wrong command line`;

interface Options {
  url: string;
  token: string;
}

/** A failure to report: `code` is the API's error code (or CONNECTION_FAILED / USAGE), `exitCode` 1 or 2. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code = 'FAILED',
    readonly action = '',
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
const usageError = (message: string) => new CliError(message, 'USAGE', 'See appdirect-provisioner-admin --help.', 2);

/**
 * Asks before sending AppDirect a second result for an event whose failure it already received:
 * `--yes` answers for scripts; without a terminal and without --yes the answer is no.
 */
async function confirmed(question: string, assumeYes: boolean): Promise<boolean> {
  if (assumeYes) return true;
  if (!process.stdin.isTTY) {
    console.error(`${question}
Not a terminal: pass --yes to confirm.`);
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(`${question} Type yes to continue: `)).trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

const FILTER_FLAGS = {
  status: 'status',
  type: 'type',
  account: 'accountIdentifier',
  company: 'companyUuid',
  'error-code': 'errorCode',
  from: 'from',
  to: 'to',
} as const;

async function call(
  options: Options,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(`${options.url.replace(/\/$/, '')}/admin/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new CliError(
      `cannot reach ${options.url}: ${(error as Error).message}`,
      'CONNECTION_FAILED',
      'Check --url / ADMIN_URL and that the API runs.',
    );
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status >= 400) {
    const code = String(json.code ?? response.status);
    throw new CliError(
      `${code}: ${json.message ?? response.statusText}${json.action ? `\n  ${json.action}` : ''}`,
      code,
      String(json.action ?? ''),
    );
  }
  return { status: response.status, json };
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const text = (v: unknown) =>
    v === null || v === undefined ? '' : v instanceof Object ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.min(48, Math.max(c.length, ...rows.map((r) => text(r[c]).length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => text(r[c])))),
  ].join('\n');
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

function filtersOf(values: Record<string, string | boolean | undefined>): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [flag, field] of Object.entries(FILTER_FLAGS))
    if (typeof values[flag] === 'string') filter[field] = values[flag] as string;
  return filter;
}

/** Whether --json was asked for (read before parsing, so a wrong command line is reported as JSON too). */
const wantsJson = (argv: readonly string[]) => argv.includes('--json');

/** With --json the API's answer goes to stdout as it is; otherwise `text` renders it for people. */
function output(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        window: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        limit: { type: 'string' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        yes: { type: 'boolean' },
        status: { type: 'string' },
        type: { type: 'string' },
        account: { type: 'string' },
        company: { type: 'string' },
        'error-code': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  const json = values.json ?? false;
  const [noun, verb, argument] = positionals;
  if (values.help || !noun) {
    console.log(USAGE);
    return;
  }
  const rawToken = values.token ?? process.env.ADMIN_TOKEN ?? '';
  const first = rawToken.split(',')[0]?.trim() ?? '';
  const token = first.includes(':') ? first.slice(first.indexOf(':') + 1) : first;
  if (!token)
    throw new CliError(
      'no admin token: pass --token or set ADMIN_TOKEN',
      'ADMIN_TOKEN_MISSING',
      'Pass --token or set ADMIN_TOKEN.',
      2,
    );
  const options: Options = {
    url: values.url ?? process.env.ADMIN_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`,
    token,
  };
  const filter = filtersOf(values);

  if (noun === 'overview') {
    const window = values.window ?? '24h';
    const { json: overview } = await call(options, 'GET', `/overview?${new URLSearchParams({ window })}`);
    output(json, overview, () => formatOverview(overview, table));
    return;
  }

  if (noun === 'events' && verb === 'list') {
    const limit = values.limit ?? '50';
    let cursor: string | null = null;
    const rows: Array<Record<string, unknown>> = [];
    do {
      const query = new URLSearchParams({ ...filter, limit, ...(cursor ? { cursor } : {}) });
      const page = (await call(options, 'GET', `/events?${query}`)).json as {
        items: Array<Record<string, unknown>>;
        nextCursor: string | null;
      };
      rows.push(...page.items);
      cursor = values.all ? page.nextCursor : null;
    } while (cursor);
    output(json, { items: rows }, () =>
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
    return;
  }
  if (noun === 'events' && verb === 'show' && argument) {
    const event = (await call(options, 'GET', `/events/${encodeURIComponent(argument)}`)).json as Record<
      string,
      unknown
    > & {
      timeline: Array<Record<string, unknown>>;
      resultDelivery: (Record<string, unknown> & { timeline: Array<Record<string, unknown>> }) | null;
    };
    if (json) return output(true, event, () => '');
    for (const key of [
      'token',
      'status',
      'type',
      'accountIdentifier',
      'errorCode',
      'lastError',
      'receivedAt',
      'finishedAt',
      'result',
    ]) {
      console.log(
        `${key.padEnd(18)} ${typeof event[key] === 'object' ? JSON.stringify(event[key]) : (event[key] ?? '')}`,
      );
    }
    console.log(
      `\nattempts\n${table(event.timeline, ['attempt', 'startedAt', 'workerId', 'outcome', 'errorCode', 'error', 'durationMs'])}`,
    );
    if (event.resultDelivery) {
      console.log(
        `\nresult delivery: ${event.resultDelivery.status}\n${table(event.resultDelivery.timeline, ['attempt', 'startedAt', 'httpStatus', 'error', 'durationMs'])}`,
      );
    }
    const calls = await productCallsOf(options, argument);
    if (calls.calls.length || calls.decisions.length) console.log(`\n${formatProductCalls(calls)}`);
    return;
  }
  if (noun === 'events' && verb === 'calls' && argument) {
    const calls = await productCallsOf(options, argument);
    output(json, calls, () => formatProductCalls(calls) || 'no product calls');
    return;
  }
  if (noun === 'events' && verb === 'resend-call' && argument && positionals[3]) {
    const path = `/events/${encodeURIComponent(argument)}/product-calls/${encodeURIComponent(positionals[3])}/resend`;
    const { json: answer } = await call(options, 'POST', path);
    output(json, answer, () => `sending product call ${positionals[3]} of ${argument} again`);
    return;
  }
  if (noun === 'events' && verb === 'reask' && argument) {
    const path = `/events/${encodeURIComponent(argument)}/product-calls/reask`;
    let answer: Record<string, unknown>;
    try {
      ({ json: answer } = await call(options, 'POST', path));
    } catch (error) {
      if (!(error instanceof CliError) || error.code !== 'EVENT_RETRY_NEEDS_FORCE' || !values.force) throw error;
      const question = `AppDirect already received the answer of ${argument}; running it again sends a second result.`;
      if (!(await confirmed(question, values.yes ?? false))) throw new CliError('not re-asked', 'NOT_CONFIRMED');
      ({ json: answer } = await call(options, 'POST', path, { force: true }));
    }
    output(json, answer, () =>
      answer.reask === 'reasked' ? `asking the product again for ${argument}` : `running ${argument} again`,
    );
    return;
  }
  if (noun === 'events' && verb === 'retry' && argument) {
    const path = `/events/${encodeURIComponent(argument)}/retry`;
    let answer: Record<string, unknown>;
    try {
      ({ json: answer } = await call(options, 'POST', path));
    } catch (error) {
      if (!(error instanceof CliError) || error.code !== 'EVENT_RETRY_NEEDS_FORCE' || !values.force) throw error;
      const question = `AppDirect already received the failure of ${argument}; running it again sends a second result.`;
      if (!(await confirmed(question, values.yes ?? false))) throw new CliError('not retried', 'NOT_CONFIRMED');
      ({ json: answer } = await call(options, 'POST', path, { force: true }));
    }
    output(json, answer, () =>
      answer.retry === 'resend_result' ? `re-sending the result of ${argument}` : `running ${argument} again`,
    );
    return;
  }
  if (noun === 'events' && verb === 'retry') {
    if (Object.keys(filter).length === 0)
      throw usageError(
        'give an event token, or at least one filter (e.g. --status failed --error-code TRANSPORT_ERROR)',
      );
    const dry = (await call(options, 'POST', '/events/retry', { ...filter, dryRun: true })).json as { matched: number };
    if (values['dry-run']) {
      output(json, dry, () => `${dry.matched} event(s) would be retried`);
      return;
    }
    let force = false;
    if (values.force) {
      const question = `Events among these whose failure AppDirect already received will run again and send a second result.`;
      if (!(await confirmed(question, values.yes ?? false))) throw new CliError('not retried', 'NOT_CONFIRMED');
      force = true;
    }
    const real = (await call(options, 'POST', '/events/retry', { ...filter, force })).json as {
      queued: number;
      perSecond: number;
      needsForce: number;
    };
    if (!json) {
      console.log(`retrying ${real.queued} event(s), at most ${real.perSecond} per second`);
      if (real.needsForce > 0)
        console.log(
          `skipped ${real.needsForce} event(s) whose failure AppDirect already received (--force runs them again)`,
        );
    }
    // Progress: how many of them are no longer retryable (finished well) — stops when nothing moves for 30 s.
    let remaining = real.queued;
    let lastChange = Date.now();
    while (remaining > 0 && Date.now() - lastChange < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = (
        (await call(options, 'POST', '/events/retry', { ...filter, dryRun: true })).json as { matched: number }
      ).matched;
      const stillRetryable = Math.max(0, now - (dry.matched - real.queued));
      if (stillRetryable !== remaining) lastChange = Date.now();
      remaining = stillRetryable;
      if (process.stdout.isTTY && !json)
        process.stdout.write(`\r${progressBar(real.queued - remaining, real.queued)} finished`);
    }
    if (process.stdout.isTTY && !json) process.stdout.write('\n');
    if (json)
      return output(
        true,
        {
          dryRun: false,
          matched: dry.matched,
          queued: real.queued,
          perSecond: real.perSecond,
          needsForce: real.needsForce,
          finished: real.queued - remaining,
          remaining,
        },
        () => '',
      );
    console.log(
      remaining === 0
        ? `all ${real.queued} retried event(s) finished`
        : `${real.queued - remaining} finished; ${remaining} still failed or in progress (see events list)`,
    );
    return;
  }
  if (noun === 'events' && verb === 'cancel' && argument) {
    const { json: answer } = await call(options, 'POST', `/events/${encodeURIComponent(argument)}/cancel`);
    output(json, answer, () => `cancelled ${argument}; OPERATION_CANCELLED will be reported to AppDirect`);
    return;
  }
  if (noun === 'accounts' && verb === 'show' && argument) {
    const account = (await call(options, 'GET', `/accounts/${encodeURIComponent(argument)}`)).json as Record<
      string,
      unknown
    > & { users: Array<Record<string, unknown>>; events: Array<Record<string, unknown>> };
    if (json) return output(true, account, () => '');
    for (const key of ['accountIdentifier', 'status', 'editionCode', 'pricingDuration', 'maxUsers', 'seatsUsed'])
      console.log(`${key.padEnd(18)} ${account[key] ?? ''}`);
    console.log(`\nusers\n${table(account.users, ['name', 'email', 'role', 'uuid'])}`);
    console.log(`\nlatest events\n${table(account.events, ['receivedAt', 'status', 'type', 'errorCode', 'token'])}`);
    return;
  }
  if (noun === 'accounts' && verb === 'search' && argument) {
    const { json: found } = await call(options, 'GET', `/accounts?${new URLSearchParams({ search: argument })}`);
    output(json, found, () =>
      table(found.items as Array<Record<string, unknown>>, [
        'accountIdentifier',
        'companyName',
        'status',
        'editionCode',
        'seatsUsed',
        'maxUsers',
      ]),
    );
    return;
  }
  throw usageError(`unknown command: ${positionals.join(' ')} (see appdirect-provisioner-admin --help)`);
}

const argv = process.argv.slice(2);
main(argv).catch((error: unknown) => {
  const failure =
    error instanceof CliError
      ? error
      : new CliError(error instanceof Error ? error.message : String(error), 'INTERNAL');
  if (wantsJson(argv))
    console.error(
      JSON.stringify({
        error: { code: failure.code, message: failure.message.split('\n')[0], action: failure.action },
      }),
    );
  else console.error(error instanceof CliError ? error.message : error);
  process.exit(failure.exitCode);
});

interface ProductCallsView {
  calls: Array<Record<string, unknown> & { timeline: Array<Record<string, unknown>> }>;
  decisions: Array<Record<string, unknown>>;
}

async function productCallsOf(options: Options, token: string): Promise<ProductCallsView> {
  return (await call(options, 'GET', `/events/${encodeURIComponent(token)}/product-calls`))
    .json as unknown as ProductCallsView;
}

/** The event's product calls for people: one block per call with its attempts, then the decisions asked. */
function formatProductCalls(view: ProductCallsView): string {
  const columns = ['at', 'requestId', 'transport', 'outcome', 'httpStatus', 'durationMs', 'error'];
  const blocks = view.calls.map(
    (c) =>
      `product call ${c.id}: ${c.kind} (${c.mode}), ${c.done ? 'taken' : 'owed'}, ${c.attempts} attempt(s)${c.lastError ? `, last error: ${c.lastError}` : ''}\n${table(c.timeline, columns)}`,
  );
  if (view.decisions.length) blocks.push(`decisions asked\n${table(view.decisions, ['kind', ...columns])}`);
  return blocks.join('\n\n');
}
