/**
 * The page's sessions as route middleware: a screen is shown to a session or answers the login form; a
 * form that changes something needs the session's CSRF token and Redis. Views are sent from here.
 */
import { createHmac } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { safeEqual } from '../../../auth/constant-time';
import type { AppDeps } from '../../deps';
import { bodyEncoding } from '../../middleware/body';
import { pageSession } from '../auth';
import type { SafeHtml } from '../views/html';
import type { Viewer } from '../views/layout';
import { loginView } from '../views/login';
import { formRefusedView, queuesDownView } from '../views/messages';

/** A posted form (UTF-8 or ISO-8859-1), small: the page's forms carry a token and a few fields. */
export const formBody = [bodyEncoding('form'), express.urlencoded({ extended: false, limit: '4kb' })];

/** Sends a rendered view as the answer. */
export function sendView(res: Response, view: SafeHtml, status = 200): void {
  res.status(status).type('html').send(view.toString());
}

/**
 * Where the login form returns to: a path under /admin as asked (with its query), else /admin. Anything
 * else (another site, `//host`, a backslash a browser reads as a slash) is not followed.
 */
export function returnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/admin';
  return /^\/admin(?:[/?]|$)/.test(value) && /^[!-~]*$/.test(value) && !/\/\/|\\/.test(value) ? value : '/admin';
}

/** Answers the login form for `req` (401 with `error` after a refused token). */
export function sendLogin(req: Request, res: Response, error?: string): void {
  const returnTo = returnPath(req.method === 'GET' ? req.originalUrl : (req.body as { returnTo?: unknown }).returnTo);
  sendView(res, loginView({ error, returnTo }), error ? 401 : 200);
}

/** The viewer a `viewing` or `changing` middleware found for this request. */
export const viewerOf = (res: Response): Viewer => res.locals.viewer as Viewer;

/** For screens: the session's viewer, or the login form in place of the screen. */
export function viewing(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const session = pageSession(deps.config, req);
    if (!session) return sendLogin(req, res);
    res.locals.viewer = { user: session.owner.name, csrf: session.csrf } satisfies Viewer;
    next();
  };
}

/** Whether Redis answers (admin actions are refused before changing anything when it does not). */
const queuesReachable = (deps: AppDeps): Promise<boolean> =>
  deps.redis.ping().then(
    () => true,
    () => false,
  );

/**
 * For forms that change something: refused (403) unless sent from this page with its CSRF token, and
 * (503) while Redis is down, before anything changes, as the admin API does.
 */
export function changing(deps: AppDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const session = pageSession(deps.config, req);
    const sent = String((req.body as { _csrf?: unknown } | undefined)?._csrf ?? '');
    if (!session || !safeEqual(sent, session.csrf)) return sendView(res, formRefusedView(), 403);
    if (!(await queuesReachable(deps))) {
      res.set('Retry-After', '5');
      return sendView(res, queuesDownView(), 503);
    }
    res.locals.viewer = { user: session.owner.name, csrf: session.csrf } satisfies Viewer;
    next();
  };
}

/**
 * The signature of a notice the page shows after an action on `subject` (an event's token). The notice
 * travels in the redirect's query; signed with the session's secret CSRF token, a notice in a link someone
 * else made up (`?done=Your session expired…`) is not shown.
 */
export const noticeMac = (viewer: Viewer, subject: string, notice: string): string =>
  createHmac('sha256', viewer.csrf).update(`${subject}\n${notice}`).digest('base64url');

/** The notice of the request's query (`done`, `mac`) when this session signed it for `subject`. */
export function signedNotice(req: Request, viewer: Viewer, subject: string): string | undefined {
  const { done, mac } = req.query;
  if (typeof done !== 'string' || typeof mac !== 'string') return undefined;
  return safeEqual(mac, noticeMac(viewer, subject, done)) ? done : undefined;
}
