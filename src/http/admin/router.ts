/**
 * Everything under /admin: the JSON API (/admin/api), bull-board (/admin/queues)
 * and the page. Without ADMIN_TOKEN the whole tree answers 403 ADMIN_DISABLED
 * (and the start-up log says so), rather than being reachable without credentials.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../errors/app-error';
import type { AppDeps } from '../deps';
import { fullPathOf } from '../middleware/request-context';
import { adminApiRouter } from './api';
import { pageSession, tokenOwner } from './auth';
import { adminPageRouter } from './page/router';

/** bull-board's page links Google's web fonts; its styles fall back to the system's sans-serif without them. */
const EXTERNAL_FONTS = /<link[^>]*href="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^>]*>/g;

/** Always in view (bull-board's own "misc links" hide in its user menu), outside the board's React root. */
const BACK_LINK =
  '<a id="back-to-admin" href="/admin" style="position:fixed;right:16px;bottom:16px;z-index:1000;padding:6px 12px;' +
  'background:#1d2330;color:#fff;border-radius:4px;font:13px system-ui,sans-serif;text-decoration:none">' +
  '&larr; Admin page</a>';

/**
 * bull-board's page as this service serves it: without its links to web fonts on the internet (an admin
 * page loads offline and sends nothing to third parties), and with a link back to the admin page.
 */
function boardPage(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = ((body?: unknown) =>
    send(
      typeof body === 'string' && body.includes('</body>')
        ? body.replace(EXTERNAL_FONTS, '').replace('</body>', `${BACK_LINK}</body>`)
        : body,
    )) as Response['send'];
  next();
}

/**
 * bull-board: a page session (or admin bearer token), read-only. Retrying, removing or promoting jobs
 * there would bypass the inbox and the audit log; queue changes go through the admin API.
 */
function queuesBoard(deps: AppDeps): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/admin/queues');
  const { events, results, hooks, reports } = deps.producer;
  const readOnly = { readOnlyMode: true, allowRetries: false };
  createBullBoard({
    queues: [events, results, hooks, reports].map((queue) => new BullMQAdapter(queue, readOnly)),
    serverAdapter: adapter,
    options: {
      uiConfig: {
        boardTitle: 'appdirect queues',
        miscLinks: [{ text: 'Back to the admin page', url: '/admin' }],
      },
    },
  });
  const router = Router();
  router.use(boardPage);
  router.use((req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const allowed = bearer
      ? tokenOwner(deps.config.adminTokens, bearer) !== null
      : pageSession(deps.config, req) !== null;
    if (!allowed) {
      if (req.method === 'GET' && req.accepts('html')) return res.redirect(303, '/admin');
      throw new AppError('ADMIN_TOKEN_INVALID', {});
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const allowed = 'GET, HEAD';
      throw new AppError(
        'METHOD_NOT_ALLOWED',
        { method: req.method, path: fullPathOf(req).slice(0, 200), allowed },
        { headers: { Allow: allowed } },
      );
    }
    next();
  });
  router.use(adapter.getRouter() as Router);
  return router;
}

export function adminRouter(deps: AppDeps): Router {
  const router = Router();
  if (deps.config.adminTokens.length === 0) {
    deps.logger.warn('ADMIN_TOKEN is not set: /admin is disabled (every request answers 403 ADMIN_DISABLED)');
    router.use(() => {
      throw new AppError('ADMIN_DISABLED', {});
    });
    return router;
  }
  router.use('/api', adminApiRouter(deps));
  router.use('/queues', queuesBoard(deps));
  router.use(adminPageRouter(deps));
  return router;
}
