/**
 * The product reports usage to bill (issue #27): on an account, or on one of its add-ons. The report is
 * committed before the answer and delivered to the account's marketplace by the reports queue; an
 * Idempotency-Key makes sending it again safe (the same report: the first answer again; another report under
 * the same key: 409, nothing stored).
 */
import { z } from 'zod';
import { acceptReport, type AcceptOutcome } from '../../billing/accept';
import { usageReportSchema } from '../../billing/usage';
import { AppError } from '../../errors/app-error';
import type { AppDeps } from '../deps';
import { pathParam, safeText } from '../input';
import { instant } from '../route-table/schemas';
import { defineRoute, type Example } from '../route-table/spec';

const idempotencyHeaders = z.object({
  'idempotency-key': safeText(255).meta({
    description:
      'Names this report: sent again with the same key (a timeout, a crash), the report is answered as the first time and delivered once; another report under the same key is refused.',
  }),
});

const acceptedReport = z
  .object({
    reportId: z.string().meta({ description: 'Operators find the report by it (admin API, CLI).' }),
    idempotencyKey: z.string(),
    accountIdentifier: z.string(),
    addonInstanceId: z.string().nullable(),
    acceptedAt: instant,
  })
  .meta({ id: 'AcceptedReport' });

const responses = {
  202: {
    description:
      'Stored; delivered to the marketplace next (the same answer for the same report sent again, then with Idempotent-Replayed: true)',
    schema: acceptedReport,
  },
} as const;

const example = {
  items: [{ unit: 'HOUR', quantity: '12.5', price: '0.80', description: 'Compute hours, 1-7 December' }],
  currency: 'USD',
  date: '2026-12-07T23:59:59Z',
};

const refusals: Example[] = [
  {
    summary: 'No such account',
    params: { accountIdentifier: 'no-such-account', addonInstanceId: 'no-such-addon' },
    headers: { 'idempotency-key': 'usage-example-unknown' },
    body: example,
    status: 404,
  },
  {
    summary: 'A price as a binary float',
    given: 'a succeeded event',
    params: { accountIdentifier: 'acct-7c1d', addonInstanceId: 'no-such-addon' },
    headers: { 'idempotency-key': 'usage-example-float' },
    body: { ...example, items: [{ unit: 'HOUR', quantity: 12.5 }] },
    status: 422,
  },
  {
    summary: 'Without an Idempotency-Key',
    given: 'a succeeded event',
    params: { accountIdentifier: 'acct-7c1d', addonInstanceId: 'no-such-addon' },
    body: example,
    status: 400,
  },
];

/** Takes the report and answers; enqueues its delivery once answered (the sweeper does if that fails). */
async function report(
  deps: AppDeps,
  input: { accountIdentifier: string; addonInstanceId: string | null; key: string; body: unknown },
) {
  const outcome: AcceptOutcome = await acceptReport(deps.prisma, {
    kind: 'usage',
    accountId: input.accountIdentifier,
    addonInstanceId: input.addonInstanceId,
    idempotencyKey: input.key,
    body: input.body,
  });
  switch (outcome.outcome) {
    case 'account_not_found':
      throw new AppError('PRODUCT_ACCOUNT_NOT_FOUND', { accountIdentifier: input.accountIdentifier });
    case 'account_not_live':
      throw new AppError('PRODUCT_ACCOUNT_NOT_LIVE', {
        accountIdentifier: input.accountIdentifier,
        status: outcome.status,
      });
    case 'addon_not_found':
      throw new AppError('PRODUCT_ADDON_NOT_FOUND', {
        accountIdentifier: input.accountIdentifier,
        addonInstanceId: input.addonInstanceId ?? '',
      });
    case 'key_reused':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', { key: input.key, reportId: outcome.report.id.toString() });
  }
  const { report: stored } = outcome;
  const body = {
    reportId: stored.id.toString(),
    idempotencyKey: stored.idempotencyKey,
    accountIdentifier: stored.accountId,
    addonInstanceId: stored.addonInstanceId,
    acceptedAt: stored.createdAt,
  };
  if (outcome.outcome === 'replayed') return { status: 202 as const, body, headers: { 'Idempotent-Replayed': 'true' } };
  return {
    status: 202 as const,
    body,
    after: () =>
      void deps.producer
        .enqueueReport(stored.id)
        .catch((error: unknown) =>
          deps.logger.warn(
            { err: (error as Error).message, reportId: stored.id.toString() },
            'could not enqueue the report; the sweeper will',
          ),
        ),
  };
}

const ERRORS = [
  'PRODUCT_ACCOUNT_NOT_FOUND',
  'PRODUCT_ACCOUNT_NOT_LIVE',
  'IDEMPOTENCY_KEY_REUSED',
  'DEPENDENCY_UNAVAILABLE',
] as const;

export const accountUsageRoute = defineRoute({
  method: 'post',
  path: '/accounts/{accountIdentifier}/usage',
  summary: 'Report usage to bill on an account (stored, then delivered to AppDirect once)',
  auth: 'product',
  params: z.object({ accountIdentifier: pathParam() }),
  headers: idempotencyHeaders,
  body: { schema: usageReportSchema, limit: '64kb', required: true },
  responses,
  errors: [...ERRORS],
  examples: [
    {
      summary: 'Usage of an account',
      given: 'a succeeded event',
      params: { accountIdentifier: 'acct-7c1d' },
      headers: { 'idempotency-key': 'usage-2026-12-acct-7c1d' },
      body: example,
      status: 202,
    },
    ...refusals.map(({ params, ...rest }) => ({ ...rest, params: { accountIdentifier: params!.accountIdentifier! } })),
  ],
  handler:
    (deps) =>
    async ({ params: { accountIdentifier }, headers, body }) =>
      report(deps, { accountIdentifier, addonInstanceId: null, key: headers['idempotency-key'], body }),
});

export const addonUsageRoute = defineRoute({
  method: 'post',
  path: '/accounts/{accountIdentifier}/addons/{addonInstanceId}/usage',
  summary: 'Report usage to bill on an add-on of an account (stored, then delivered to AppDirect once)',
  auth: 'product',
  params: z.object({ accountIdentifier: pathParam(), addonInstanceId: pathParam() }),
  headers: idempotencyHeaders,
  body: { schema: usageReportSchema, limit: '64kb', required: true },
  responses,
  errors: [...ERRORS, 'PRODUCT_ADDON_NOT_FOUND'],
  examples: [
    {
      summary: 'Usage of an add-on',
      given: 'an active add-on',
      params: { accountIdentifier: 'acct-7c1d', addonInstanceId: 'addon-2f9e' },
      headers: { 'idempotency-key': 'usage-2026-12-addon-2f9e' },
      body: example,
      status: 202,
    },
    {
      summary: 'Usage of an add-on that is not there',
      given: 'a succeeded event',
      params: { accountIdentifier: 'acct-7c1d', addonInstanceId: 'no-such-addon' },
      headers: { 'idempotency-key': 'usage-example-addon' },
      body: example,
      status: 404,
    },
    ...refusals,
  ],
  handler:
    (deps) =>
    async ({ params: { accountIdentifier, addonInstanceId }, headers, body }) =>
      report(deps, { accountIdentifier, addonInstanceId, key: headers['idempotency-key'], body }),
});
