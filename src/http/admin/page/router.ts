/**
 * The admin web page at /admin, served by the API itself: its screens and forms, one line each. Log in
 * with an admin token (a signed, HttpOnly, SameSite=Strict session cookie); every screen is a view of
 * typed data (../views/) rendered by a handler here; forms that change something carry the session's CSRF
 * token. Everything works without JavaScript.
 */
import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { pathText } from '../../input';
import { rateLimit } from '../../middleware/rate-limit';
import { accountPage, accountsPage } from './accounts';
import { eventPage } from './event';
import { cancel, reask, rerun, resendProductCallAction, resendResult } from './event-actions';
import { eventsPage } from './events';
import { logIn, logOut } from './login';
import { deliveriesPage, overviewPage, productCallsPage } from './overview';
import { cancelReportAction, reportsPage, resendReportAction } from './reports';
import { changing, formBody, viewing } from './session';

export function adminPageRouter(deps: AppDeps): Router {
  const router = Router();
  for (const name of ['token', 'accountIdentifier'])
    router.param(name, (_req, _res, next, value: unknown) => {
      pathText(name, value);
      next();
    });
  const screen = viewing(deps);
  const form = [...formBody, changing(deps)];

  router.post(
    '/login',
    rateLimit(deps, { name: 'admin-login', limit: 20, windowMs: 60_000 }),
    ...formBody,
    logIn(deps),
  );
  router.post('/logout', ...formBody, logOut);

  router.get('/', screen, overviewPage(deps));
  router.get('/deliveries', screen, deliveriesPage(deps));
  router.get('/hooks', screen, productCallsPage(deps));
  router.get('/reports', screen, reportsPage(deps));
  router.post('/reports/:id/resend', ...form, resendReportAction(deps));
  router.post('/reports/:id/cancel', ...form, cancelReportAction(deps));
  router.get('/events', screen, eventsPage(deps));
  router.get('/events/:token', screen, eventPage(deps));
  router.post('/events/:token/rerun', ...form, rerun(deps));
  router.post('/events/:token/resend-result', ...form, resendResult(deps));
  router.post('/events/:token/cancel', ...form, cancel(deps));
  router.post('/events/:token/product-calls/:id/resend', ...form, resendProductCallAction(deps));
  router.post('/events/:token/product-calls/reask', ...form, reask(deps));
  router.get('/accounts', screen, accountsPage(deps));
  router.get('/accounts/:accountIdentifier', screen, accountPage(deps));
  return router;
}
