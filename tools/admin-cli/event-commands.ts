/** The `events` commands: list and show events, run them again, re-send results, cancel; their product calls. */
import { Option } from 'commander';
import { bulkRetry, postWithForce } from './bulk-retry';
import { call, type Connection } from './client';
import { formatEvent, formatProductCalls, table, type ProductCallsView } from './format';
import { readPages } from './lists';
import { apiPath as path, filterOf, filterOptions, forceOptions, pageOptions } from './options';
import type { CommandSpec } from './spec';

async function productCalls(connection: Connection, token: string): Promise<ProductCallsView> {
  return (await call(connection, 'GET', `${path('events', token)}/product-calls`)) as unknown as ProductCallsView;
}

export const EVENT_COMMANDS: readonly CommandSpec[] = [
  {
    path: ['events', 'list'],
    summary: 'events, newest first',
    options: () => [...filterOptions(), ...pageOptions(200, 50)],
    async run(context, _args, options) {
      const rows = await readPages(context.connection, '/events', filterOf(options), options);
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
];
