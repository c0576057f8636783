/**
 * The admin CLI's commands, declared once: each one's path, arguments, options and what it does. The
 * program (program.ts) and its help are built from this table; a test compares the help with it.
 */
import { Option } from 'commander';
import { DELIVERY_STATES, HOOK_STATES } from '../../src/admin/owed';
import { call, type Json } from './client';
import { EVENT_COMMANDS } from './event-commands';
import { formatAccount, table } from './format';
import { readPages } from './lists';
import { apiPath as path, pageOptions } from './options';
import { formatOverview } from './overview';
import type { CommandSpec } from './spec';
import { USAGE_COMMANDS } from './usage-commands';

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
  ...EVENT_COMMANDS,
  {
    path: ['deliveries', 'list'],
    summary: 'results AppDirect has not received, oldest first (events resend-result re-sends one)',
    options: () => [
      new Option('--state <state>', 'failed: for good; retrying: after a failed POST; pending: every one not delivered')
        .choices(DELIVERY_STATES)
        .default('failed'),
      ...pageOptions(200, 200),
    ],
    async run(context, _args, options) {
      const items = await readPages(context.connection, '/deliveries', { state: String(options.state) }, options);
      context.output({ items }, () =>
        table(items, ['createdAt', 'status', 'attempts', 'lastError', 'updatedAt', 'token']),
      );
    },
  },
  {
    path: ['product-calls', 'list'],
    summary: "calls to your product's provisioning hooks not done, oldest first (events resend-call re-sends one)",
    options: () => [
      new Option('--state <state>', 'failing: an attempt failed; not_done: every call not taken yet')
        .choices(HOOK_STATES)
        .default('failing'),
      ...pageOptions(200, 200),
    ],
    async run(context, _args, options) {
      const items = await readPages(context.connection, '/product-calls', { state: String(options.state) }, options);
      context.output({ items }, () =>
        table(items, ['createdAt', 'kind', 'accountIdentifier', 'attempts', 'lastError', 'id', 'eventToken']),
      );
    },
  },
  ...USAGE_COMMANDS,
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
