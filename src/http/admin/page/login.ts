/** POST /admin/login and /admin/logout: the session cookie, opened with a valid admin token. */
import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps';
import { openSession, SESSION_COOKIE, SESSION_HOURS, tokenOwner } from '../auth';
import { returnPath, sendLogin } from './session';

/** A valid token opens a session (signed, HttpOnly, SameSite=Strict) and returns to the page asked for. */
export const logIn = (deps: AppDeps) => (req: Request, res: Response) => {
  const body = req.body as { token?: unknown; returnTo?: unknown };
  const owner = tokenOwner(deps.config.adminTokens, String(body.token ?? ''));
  if (!owner) return sendLogin(req, res, 'That token is not valid.');
  res.cookie(SESSION_COOKIE, openSession(owner), {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/admin',
    maxAge: SESSION_HOURS * 3600_000,
  });
  res.redirect(303, returnPath(body.returnTo));
};

export const logOut = (_req: Request, res: Response) => {
  res.clearCookie(SESSION_COOKIE, { path: '/admin' });
  res.redirect(303, '/admin');
};
