/** GET /admin/events/<token>: one event, with the actions that apply to it as it is now. */
import type { Request, Response } from 'express';
import { knownAccounts } from '../../../admin/accounts';
import { canDo } from '../../../admin/event-actions';
import { eventDetail } from '../../../admin/events';
import { productCallsOf } from '../../../admin/product-calls';
import { isUnfinished } from '../../../inbox/statuses';
import type { AppDeps } from '../../deps';
import { eventView } from '../views/event';
import { notFoundView } from '../views/messages';
import { sendView, signedNotice, viewerOf } from './session';

export const eventPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const token = String(req.params.token);
  const event = await eventDetail(deps.prisma, token);
  if (!event) return sendView(res, notFoundView(`event ${token}`, viewerOf(res)), 404);
  const [productCalls, known] = await Promise.all([
    productCallsOf(deps.prisma, event.token),
    knownAccounts(deps.prisma, [event.accountIdentifier]),
  ]);
  const state = { status: event.status, delivery: event.resultDelivery };
  const actions = {
    rerun: canDo('rerun', state),
    resendResult: canDo('resend_result', state),
    cancel: isUnfinished(event.status),
  };
  const done = signedNotice(req, viewerOf(res), event.token);
  sendView(res, eventView({ event, productCalls, knownAccounts: known, actions, done }, viewerOf(res)));
};
