/** Looking up accounts: by identifier, or by company name, company uuid or user e-mail. */
import { z } from 'zod';
import { accountDetail, searchAccounts } from '../../../admin/accounts';
import { AppError } from '../../../errors/app-error';
import { pathParam, safeText } from '../../input';
import { defineRoute } from '../../route-table/spec';
import { accountMatches, adminAccount } from '../schemas/accounts';

export const searchAccountsRoute = defineRoute({
  method: 'get',
  path: '/accounts',
  summary: 'Find accounts by company name (contained, case ignored), company uuid, identifier or user e-mail',
  auth: 'admin',
  query: z.strictObject({ search: safeText(200).meta({ description: 'Matched as written (no pattern).' }) }),
  responses: { 200: { description: 'Matching accounts, newest first (at most 50)', schema: accountMatches } },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'By e-mail', query: { search: 'it@customer.example' }, status: 200 },
    { summary: 'Without search', query: {}, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { search } }) => ({
      status: 200,
      body: { items: await searchAccounts(deps.prisma, search) },
    }),
});

export const showAccountRoute = defineRoute({
  method: 'get',
  path: '/accounts/{accountIdentifier}',
  summary: 'An account with its users, add-ons and latest events',
  auth: 'admin',
  params: z.object({ accountIdentifier: pathParam() }),
  responses: { 200: { description: 'The account', schema: adminAccount } },
  errors: ['ADMIN_ACCOUNT_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'An account', given: 'a succeeded event', params: { accountIdentifier: 'acct-7c1d' }, status: 200 },
    { summary: 'No such account', params: { accountIdentifier: 'no-such-account' }, status: 404 },
  ],
  handler:
    (deps) =>
    async ({ params: { accountIdentifier } }) => {
      const detail = await accountDetail(deps.prisma, accountIdentifier);
      if (!detail) throw new AppError('ADMIN_ACCOUNT_NOT_FOUND', { accountIdentifier });
      return { status: 200, body: detail };
    },
});
