/**
 * `usage …`: the product's usage reports. `usage report` sends one through the product API (what the product
 * itself does: a PRODUCT_API_TOKENS token and an Idempotency-Key; the same key again is answered as the first
 * time); `usage list`, `show`, `resend` and `cancel` are the operators' (admin API, audited).
 */
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { REPORT_KINDS, REPORT_STATES } from '../../src/admin/reports';
import { call, CliError, type Json } from './client';
import { table } from './format';
import { readPages } from './lists';
import { apiPath as path, pageOptions } from './options';
import type { CommandSpec } from './spec';

/** --product-token, else the first of PRODUCT_API_TOKENS. */
function productToken(options: Record<string, string | boolean | undefined>): string {
  const token =
    typeof options.productToken === 'string'
      ? options.productToken
      : (process.env.PRODUCT_API_TOKENS ?? '').split(',')[0]?.trim();
  if (!token)
    throw new CliError(
      'no product API token: pass --product-token or set PRODUCT_API_TOKENS',
      'PRODUCT_TOKEN_MISSING',
      'Pass --product-token or set PRODUCT_API_TOKENS.',
      2,
    );
  return token;
}

function readReport(file: string): unknown {
  try {
    return JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError(`cannot read the report in ${file}: ${(error as Error).message}`, 'USAGE', '', 2);
  }
}

const COLUMNS = ['id', 'createdAt', 'accountIdentifier', 'status', 'attempts', 'lastError', 'idempotencyKey'];

export const USAGE_COMMANDS: readonly CommandSpec[] = [
  {
    path: ['usage', 'report'],
    summary: 'report usage to bill on an account (as the product does): stored, then delivered to AppDirect once',
    args: ['<accountIdentifier>'],
    options: () => [
      new Option(
        '--key <idempotencyKey>',
        'names the report: the same key again is answered as the first time',
      ).makeOptionMandatory(),
      new Option(
        '--file <path>',
        'the report as JSON ({"items":[{"unit","quantity":"12.5","price"}],"currency","date"}); - for stdin',
      ).makeOptionMandatory(),
      new Option('--addon <addonInstanceId>', "usage of one of the account's add-ons"),
      new Option('--product-token <token>', 'a product API token (default: the first of PRODUCT_API_TOKENS)'),
    ],
    async run(context, [accountIdentifier], options) {
      const report = readReport(String(options.file));
      const addon = typeof options.addon === 'string' ? ['addons', options.addon] : [];
      const answer = await call(
        context.connection,
        'POST',
        path('accounts', accountIdentifier!, ...addon, 'usage'),
        report,
        {
          base: '/product/api',
          token: productToken(options),
          headers: { 'idempotency-key': String(options.key) },
        },
      );
      context.output(answer, () => `report ${String(answer.reportId)} accepted at ${String(answer.acceptedAt)}`);
    },
  },
  {
    path: ['usage', 'list'],
    summary: 'usage reports (or user syncs, --kind) in a state, oldest first (failed: AppDirect has not received them)',
    options: () => [
      new Option('--state <state>', 'failed: for good; retrying: after a failed attempt; pending: every one owed')
        .choices(REPORT_STATES)
        .default('failed'),
      new Option('--account <accountIdentifier>', "the account's reports"),
      new Option('--kind <kind>', 'usage: usage to bill; user_sync: users your product assigned or unassigned')
        .choices(REPORT_KINDS)
        .default('usage'),
      ...pageOptions(200, 200),
    ],
    async run(context, _args, options) {
      const query: Record<string, string> = { state: String(options.state), kind: String(options.kind) };
      if (typeof options.account === 'string') query.accountIdentifier = options.account;
      const items = await readPages(context.connection, '/reports', query, options);
      context.output({ items }, () => table(items, COLUMNS));
    },
  },
  {
    path: ['usage', 'show'],
    summary: 'a usage report: what the product sent and every attempt at delivering it',
    args: ['<reportId>'],
    async run(context, [id]) {
      const report = await call(context.connection, 'GET', path('reports', id!));
      context.output(report, () =>
        [
          table([report], COLUMNS),
          JSON.stringify(report.report, null, 2),
          table((report.attemptHistory as Json[]) ?? [], ['attempt', 'startedAt', 'target', 'httpStatus', 'error']),
        ].join('\n\n'),
      );
    },
  },
  {
    path: ['usage', 'resend'],
    summary: 'send a failed usage report again (same idempotency key), or one waiting for its backoff now',
    args: ['<reportId>'],
    async run(context, [id]) {
      const answer = await call(context.connection, 'POST', path('reports', id!, 'resend'), {});
      context.output(answer, () => `report ${id} is being sent again`);
    },
  },
  {
    path: ['usage', 'cancel'],
    summary: 'cancel a usage report not delivered: it is never sent',
    args: ['<reportId>'],
    async run(context, [id]) {
      const answer = await call(context.connection, 'POST', path('reports', id!, 'cancel'), {});
      context.output(answer, () => `report ${id} is cancelled`);
    },
  },
];
