/**
 * Admin authentication: `Authorization: Bearer <token>` for the API and CLI,
 * or the session cookie the login form sets for the page. Sessions are signed
 * with the token they were opened with, so removing a token ends its sessions.
 * State-changing page forms carry a CSRF token bound to the session (and the
 * cookie is SameSite=Strict).
 */
import { createHash, createHmac } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../../auth/constant-time';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import { percentDecode } from '../input';

export const SESSION_COOKIE = 'adp_admin';
/** How long a page session lasts (the cookie's Max-Age and the signed expiry). */
export const SESSION_HOURS = 8;

type AdminToken = Config['adminTokens'][number];

export function adminNameOf(res: Response): string {
  return res.locals.admin as string;
}

/** The token's owner, comparing against every configured token in constant time. */
export function tokenOwner(tokens: readonly AdminToken[], presented: string): AdminToken | null {
  let owner: AdminToken | null = null;
  for (const candidate of tokens) if (safeEqual(candidate.token, presented) && !owner) owner = candidate;
  return owner;
}

const mac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('base64url');

/**
 * Which token a session was opened with. Names need not be unique (`ADMIN_TOKEN=tokA,tokB` names both
 * 'admin'), so a session names its token by a fingerprint that reveals nothing of the token.
 */
const fingerprintOf = (token: string) =>
  createHash('sha256').update(`adp-admin-session:${token}`).digest('base64url').slice(0, 22);

export function openSession(owner: AdminToken, nowMs = Date.now()): string {
  const claims = { name: owner.name, fp: fingerprintOf(owner.token), exp: nowMs + SESSION_HOURS * 3600_000 };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(owner.token, payload)}`;
}

function sessionOwner(
  tokens: readonly AdminToken[],
  cookie: string | undefined,
): { owner: AdminToken; session: string } | null {
  if (!cookie) return null;
  const [payload, signature] = cookie.split('.');
  if (!payload || !signature) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { fp?: unknown; exp?: unknown };
    const owner = tokens.find((t) => fingerprintOf(t.token) === claims.fp);
    if (!owner || typeof claims.exp !== 'number' || claims.exp < Date.now()) return null;
    return safeEqual(mac(owner.token, payload), signature) ? { owner, session: cookie } : null;
  } catch {
    return null;
  }
}

export function csrfTokenFor(owner: AdminToken, session: string): string {
  return mac(owner.token, `csrf:${session}`);
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    // A broken percent-escape is no session (401), not a thrown URIError.
    if (key === name) return percentDecode(value.join('=')) ?? undefined;
  }
  return undefined;
}

/** For the JSON API: bearer token (or the page's session, so the page can call it). */
export function requireAdmin(config: Config) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const owner = bearer
      ? tokenOwner(config.adminTokens, bearer)
      : sessionOwner(config.adminTokens, readCookie(req, SESSION_COOKIE))?.owner;
    if (!owner)
      throw new AppError('ADMIN_TOKEN_INVALID', {}, { headers: { 'WWW-Authenticate': 'Bearer realm="admin"' } });
    if (!bearer && req.method !== 'GET') {
      // Cookie-authenticated writes must prove they come from our page.
      const session = sessionOwner(config.adminTokens, readCookie(req, SESSION_COOKIE))!;
      const sent = req.get('x-csrf-token') ?? (req.body as { _csrf?: string } | undefined)?._csrf ?? '';
      if (!safeEqual(sent, csrfTokenFor(session.owner, session.session))) throw new AppError('CSRF_REJECTED', {});
    }
    res.locals.admin = owner.name;
    next();
  };
}

/** For the page: the session, or null (the page then shows the login form). */
export function pageSession(config: Config, req: Request): { owner: AdminToken; session: string; csrf: string } | null {
  const found = sessionOwner(config.adminTokens, readCookie(req, SESSION_COOKIE));
  return found ? { ...found, csrf: csrfTokenFor(found.owner, found.session) } : null;
}
