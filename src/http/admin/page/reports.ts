/**
 * GET /admin/reports: the product's reports (usage, user sync) by state; POST …/:id/resend and …/:id/cancel:
 * the admin actions (audited), then back to the list with what was done.
 */
import type { Request, Response } from 'express';
import type { ActionContext } from '../../../admin/context';
import {
  cancelReport,
  listReports,
  REPORT_STATES,
  reportIdOf,
  resendReport,
  type ReportAction,
  type ReportState,
} from '../../../admin/reports';
import type { AppDeps } from '../../deps';
import { url } from '../views/html';
import { reportsView } from '../views/reports';
import { noticeMac, sendView, signedNotice, viewerOf } from './session';

const stateOf = (value: unknown): ReportState => REPORT_STATES.find((name) => name === value) ?? 'failed';

/** The notices are signed for the list they are shown on (all reports share one subject). */
const SUBJECT = 'reports';

export const reportsPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const state = stateOf(req.query.state);
  const reports = await listReports(deps.prisma, { state });
  const done = signedNotice(req, viewerOf(res), SUBJECT);
  sendView(res, reportsView({ states: REPORT_STATES, state, reports, done }, viewerOf(res)));
};

const said = (id: string, outcome: ReportAction, done: string): string => {
  if ('done' in outcome) return done;
  if (outcome.refused === 'not_found') return `There is no report ${id}; nothing was changed.`;
  return `Report ${id} is ${outcome.status}; nothing was changed.`;
};

const reportAction =
  (deps: AppDeps, act: (ctx: ActionContext, id: bigint) => Promise<ReportAction>, done: (id: string) => string) =>
  async (req: Request, res: Response) => {
    const viewer = viewerOf(res);
    const id = String(req.params.id);
    const reportId = reportIdOf(id);
    const context: ActionContext = {
      prisma: deps.prisma,
      queues: deps.producer,
      by: { actor: viewer.user, requestId: req.requestId },
      logger: req.log,
    };
    const text =
      reportId === null
        ? `There is no report ${id}; nothing was changed.`
        : said(id, await act(context, reportId), done(id));
    const state = stateOf(req.query.state);
    res.redirect(
      303,
      url`/admin/reports?state=${state}&done=${text}&mac=${noticeMac(viewer, SUBJECT, text)}`.toString(),
    );
  };

export const resendReportAction = (deps: AppDeps) =>
  reportAction(deps, resendReport, (id) => `Report ${id} is being sent again now (same idempotency key).`);

export const cancelReportAction = (deps: AppDeps) =>
  reportAction(deps, cancelReport, (id) => `Report ${id} is cancelled: it will not be sent.`);
