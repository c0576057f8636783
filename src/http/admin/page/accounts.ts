/** GET /admin/accounts (the search) and /admin/accounts/<accountIdentifier>. */
import type { Request, Response } from 'express';
import { accountDetail, searchAccounts } from '../../../admin/accounts';
import type { AppDeps } from '../../deps';
import { unsafeTextReason } from '../../input';
import { accountView } from '../views/account';
import { accountsView } from '../views/accounts';
import { notFoundView } from '../views/messages';
import { sendView, viewerOf } from './session';

export const accountsPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const search = typeof req.query.search === 'string' ? req.query.search.trim() : '';
  // Text PostgreSQL cannot compare matches no account: said, not searched.
  const unusable = search.length > 200 ? 'is longer than 200 characters' : unsafeTextReason(search);
  const accounts = search && !unusable ? await searchAccounts(deps.prisma, search) : [];
  sendView(res, accountsView({ search, unusable, accounts }, viewerOf(res)));
};

export const accountPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const accountIdentifier = String(req.params.accountIdentifier);
  const account = await accountDetail(deps.prisma, accountIdentifier);
  if (!account) return sendView(res, notFoundView(`account ${accountIdentifier}`, viewerOf(res)), 404);
  sendView(res, accountView(account, viewerOf(res)));
};
