/**
 * The event page's forms: Run again, Re-send result, Cancel, and the product calls' Re-send and Re-ask.
 * Each runs the admin action with the admin's name for its audit row, then shows the event's page with
 * what it did (or asks first, when AppDirect would get a second result).
 */
import type { Request, Response } from 'express';
import type { ActionContext } from '../../../admin/context';
import { cancelEvent, retryEvent, type ActionOutcome } from '../../../admin/event-actions';
import { reaskProduct, resendProductCall } from '../../../admin/product-calls';
import type { AppDeps } from '../../deps';
import { confirmRerunView } from '../views/event';
import { url } from '../views/html';
import { noticeMac, sendView, viewerOf } from './session';

/** What the page says after an action: what was done, or why nothing was (never both). */
function noticeOf(outcome: ActionOutcome<string>, done: Record<string, string>, notApplicable: string): string {
  if ('done' in outcome)
    return `${done[outcome.done] ?? outcome.done}${outcome.forced ? ' AppDirect will receive a second result.' : ''}`;
  if (outcome.refused === 'not_found') return 'There is no such event; nothing was changed.';
  if (outcome.refused === 'needs_force') return 'Nothing was changed.';
  return `This event is ${outcome.status}: ${notApplicable} Nothing was changed.`;
}

/** The notice, or 'confirm' when the action needs force (AppDirect already has the event's answer). */
type Run = (context: ActionContext, token: string, req: Request) => Promise<string | 'confirm'>;

/**
 * A form handler: runs `run`, then redirects to the event's page with its notice, or shows the
 * confirmation that posts the same form again with force.
 */
const pageAction = (deps: AppDeps, run: Run, confirmAction?: 'rerun' | 'product-calls/reask') => {
  return async (req: Request, res: Response) => {
    const viewer = viewerOf(res);
    const token = String(req.params.token);
    const by = { actor: viewer.user, requestId: req.requestId };
    const context: ActionContext = { prisma: deps.prisma, queues: deps.producer, by, logger: req.log };
    const notice = await run(context, token, req);
    if (notice === 'confirm' && confirmAction) return sendView(res, confirmRerunView(token, confirmAction, viewer));
    const mac = noticeMac(viewer, token, notice);
    res.redirect(303, url`/admin/events/${token}?done=${notice}&mac=${mac}`.toString());
  };
};

const forced = (req: Request) => (req.body as { force?: unknown }).force === 'yes';

export const rerun = (deps: AppDeps) =>
  pageAction(
    deps,
    async (context, token, req) => {
      const outcome = await retryEvent(context, token, { force: forced(req), action: 'rerun' });
      if ('refused' in outcome && outcome.refused === 'needs_force') return 'confirm';
      const done = { rerun: 'Running the event again, from the fetch.' };
      return noticeOf(outcome, done, 'only a failed or refused event runs again.');
    },
    'rerun',
  );

export const resendResult = (deps: AppDeps) =>
  pageAction(deps, async (context, token) => {
    const outcome = await retryEvent(context, token, { action: 'resend_result' });
    const done = { resend_result: 'Re-sending the stored result to AppDirect (the event is not run again).' };
    return noticeOf(outcome, done, 'only a result whose delivery failed for good is re-sent.');
  });

export const cancel = (deps: AppDeps) =>
  pageAction(deps, async (context, token) => {
    const outcome = await cancelEvent(context, token);
    if (outcome === 'cancelled') return 'Cancelled; OPERATION_CANCELLED will be reported to AppDirect.';
    if (outcome === 'not_found') return 'There is no such event; nothing was changed.';
    return 'This event is already finished; nothing was changed.';
  });

export const resendProductCallAction = (deps: AppDeps) =>
  pageAction(deps, async (context, token, req) => {
    const id = String(req.params.id);
    if (!(await resendProductCall(context, token, id)))
      return 'That product call is not owed any more; nothing was changed.';
    return `Product call ${id} is being sent again now (same webhook-id).`;
  });

export const reask = (deps: AppDeps) =>
  pageAction(
    deps,
    async (context, token, req) => {
      const outcome = await reaskProduct(context, token, { force: forced(req) });
      if ('refused' in outcome && outcome.refused === 'needs_force') return 'confirm';
      const done = {
        reasked: 'The product is being asked again, with a fresh deadline.',
        rerun: 'The event is running again from the start; the product will be asked.',
      };
      return noticeOf(outcome, done, 'it is not waiting for the product, so there is nothing to re-ask.');
    },
    'product-calls/reask',
  );
