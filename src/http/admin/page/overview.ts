/** GET /admin: the overview; GET /admin/deliveries and /admin/hooks: the lists its "needs action" links to. */
import type { Request, Response } from 'express';
import { knownAccounts } from '../../../admin/accounts';
import { buildOverview } from '../../../admin/overview';
import { DELIVERY_STATES, HOOK_STATES, listHookCalls, listUndeliveredResults } from '../../../admin/owed';
import type { AppDeps } from '../../deps';
import { overviewSources } from '../overview-api';
import { deliveriesView } from '../views/deliveries';
import { overviewView } from '../views/overview';
import { productCallsView } from '../views/product-calls';
import { sendView, viewerOf } from './session';

export const overviewPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  // The window named by `?window=`, 24h when absent or unknown (the page never errors on it).
  const window = req.query.window === '7d' ? '7d' : '24h';
  sendView(res, overviewView(await buildOverview(overviewSources(deps), window), viewerOf(res)));
};

export const deliveriesPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const state = DELIVERY_STATES.find((name) => name === req.query.state) ?? 'failed';
  const deliveries = await listUndeliveredResults(deps.prisma, state);
  sendView(res, deliveriesView({ states: DELIVERY_STATES, state, deliveries }, viewerOf(res)));
};

export const productCallsPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const state = HOOK_STATES.find((name) => name === req.query.state) ?? 'failing';
  const calls = await listHookCalls(deps.prisma, state);
  const known = await knownAccounts(
    deps.prisma,
    calls.map((call) => call.accountIdentifier),
  );
  sendView(res, productCallsView({ states: HOOK_STATES, state, calls, knownAccounts: known }, viewerOf(res)));
};
