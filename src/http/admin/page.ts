/**
 * The admin web page at /admin, served by the API itself: log in with an admin
 * token (kept in a signed, HttpOnly, SameSite=Strict session cookie), a
 * filterable event list (failed first), an event page with its timeline and
 * Run again / Re-send result / Cancel buttons (CSRF-protected forms), and account pages.
 */
import express, { Router, type Request, type Response } from 'express';
import { accountDetail, knownAccounts, searchAccounts } from '../../admin/accounts';
import type { ActionContext } from '../../admin/context';
import { canDo, cancelEvent, retryEvent, type ActionOutcome } from '../../admin/event-actions';
import { eventDetail, EVENT_STATUSES, listEvents, type EventFilter, type EventStatusName } from '../../admin/events';
import { productCallsOf, reaskProduct, resendProductCall } from '../../admin/product-calls';
import { safeEqual } from '../../auth/constant-time';
import { isUnfinished } from '../../inbox/statuses';
import type { AppDeps } from '../deps';
import { pathText, unsafeTextReason } from '../input';
import { bodyEncoding } from '../middleware/body';
import { rateLimit } from '../middleware/rate-limit';
import { openSession, pageSession, SESSION_COOKIE, tokenOwner } from './auth';
import { accountRef, html, page, raw, statusBadge, when } from './html';

const form = [bodyEncoding('form'), express.urlencoded({ extended: false, limit: '4kb' })];

export function loginPage(res: Response, error?: string): void {
  res
    .status(error ? 401 : 200)
    .type('html')
    .send(
      page(
        'Log in',
        html`${error ? html`<p class="error">${error}</p>` : html``}
          <h1>Admin</h1>
          <form method="post" action="/admin/login">
            <label
              >Admin token <input type="password" name="token" autocomplete="current-password" autofocus required
            /></label>
            <button type="submit">Log in</button>
          </form>`,
      ),
    );
}

/**
 * The list's filters as typed. A value PostgreSQL cannot compare (NUL, a lone surrogate, over 200
 * characters) can match no event: it is reported and the list is empty, never dropped (that would list
 * every event under a filter that matches none).
 */
function filterFrom(query: Request['query']): { filter: EventFilter; unusable: string[] } {
  const unusable: string[] = [];
  const text = (name: string, label: string): string | undefined => {
    const value = query[name];
    if (typeof value !== 'string' || value === '') return undefined;
    const reason = value.length > 200 ? 'is longer than 200 characters' : unsafeTextReason(value);
    if (reason) unusable.push(`The ${label} filter ${reason}: no event can match it.`);
    return value;
  };
  const status = text('status', 'status');
  if (status !== undefined && !EVENT_STATUSES.includes(status as EventStatusName))
    unusable.push(`There is no status '${status}'.`);
  return {
    filter: {
      status: status as EventStatusName | undefined,
      type: text('type', 'type'),
      accountIdentifier: text('accountIdentifier', 'account'),
      errorCode: text('errorCode', 'error code'),
    },
    unusable,
  };
}

/** The event's type as fetched, or why it is not known (an event finishes without one when its fetch failed). */
function typeText(event: { type: string | null; status: string; errorCode: string | null }): string {
  if (event.type) return event.type;
  if (isUnfinished(event.status)) return 'not known yet: the event has not been fetched';
  if (event.errorCode === 'TRANSPORT_ERROR') return "unknown: the event's document could not be fetched";
  if (event.errorCode === 'INVALID_RESPONSE') return "unknown: the event's document could not be read";
  if (event.status === 'cancelled') return 'unknown: cancelled before the event was fetched';
  return "unknown: the event's document was not fetched";
}

/**
 * Asked before an event whose answer AppDirect already received runs again (it gets a second result).
 * `action`: the form's path under the event (`rerun`, `product-calls/reask`), posted again with force.
 */
function confirmForced(token: string, csrf: string, action: string) {
  return html`<h1>Run this event again?</h1>
    <p>
      AppDirect has already received this event's answer. Running it again applies it once more and sends AppDirect a
      second result; the earlier result and its delivery attempts are kept in the history.
    </p>
    <form class="inline" method="post" action="/admin/events/${token}/${action}">
      <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="force" value="yes" /><button
        type="submit"
        id="confirm-retry"
      >
        Run again and send a second result
      </button>
    </form>
    <a href="/admin/events/${token}">Cancel</a>`;
}

/** What the page says after an action: what was done, or why nothing was (never both). */
function notice(outcome: ActionOutcome<string>, done: Record<string, string>, notApplicable: string): string {
  if ('done' in outcome)
    return `${done[outcome.done] ?? outcome.done}${outcome.forced ? ' AppDirect will receive a second result.' : ''}`;
  if (outcome.refused === 'not_found') return 'There is no such event; nothing was changed.';
  if (outcome.refused === 'needs_force') return 'Nothing was changed.';
  return `This event is ${outcome.status}: ${notApplicable} Nothing was changed.`;
}

/** Whether Redis answers (admin actions are refused before changing anything when it does not). */
async function queuesReachable(deps: AppDeps): Promise<boolean> {
  return deps.redis.ping().then(
    () => true,
    () => false,
  );
}

export function adminPageRouter(deps: AppDeps): Router {
  const router = Router();
  const { config, prisma, producer } = deps;

  /** The session for this request, or the login form. */
  const session = (req: Request, res: Response) => {
    const found = pageSession(config, req);
    if (!found) loginPage(res);
    return found;
  };
  router.param('token', (_req, _res, next, value: unknown) => {
    pathText('token', value);
    next();
  });
  router.param('accountIdentifier', (_req, _res, next, value: unknown) => {
    pathText('accountIdentifier', value);
    next();
  });
  const checkCsrf = (req: Request, csrf: string) =>
    safeEqual(String((req.body as { _csrf?: unknown })._csrf ?? ''), csrf);

  router.post('/login', rateLimit(deps, { name: 'admin-login', limit: 20, windowMs: 60_000 }), ...form, (req, res) => {
    const owner = tokenOwner(config.adminTokens, String((req.body as { token?: unknown }).token ?? ''));
    if (!owner) return loginPage(res, 'That token is not valid.');
    res.cookie(SESSION_COOKIE, openSession(owner), {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/admin',
      maxAge: 8 * 3600_000,
    });
    res.redirect(303, '/admin');
  });

  router.post('/logout', ...form, (req, res) => {
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin');
  });

  // The event list; /admin itself is the overview (overview-page.ts).
  router.get('/events', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const { filter, unusable } = filterFrom(req.query);
    const none = { items: [] };
    // Failed events first, then the rest, newest first within each.
    const failed =
      filter.status || unusable.length
        ? none
        : await listEvents(prisma, { ...filter, status: 'failed' }, { limit: 50 });
    const rest = unusable.length ? none : await listEvents(prisma, filter, { limit: 100 });
    const items = [...failed.items, ...rest.items.filter((item) => filter.status || item.status !== 'failed')].slice(
      0,
      100,
    );
    const accounts = await knownAccounts(
      prisma,
      items.map((item) => item.accountIdentifier),
    );
    const option = (value: string) =>
      html`<option value="${value}" ${filter.status === value ? raw('selected') : ''}>${value}</option>`;
    res.type('html').send(
      page(
        'Events',
        html`<h1>Events</h1>
          ${unusable.map((problem) => html`<p class="error">${problem}</p>`)}
          <form method="get" action="/admin/events">
            <select name="status">
              <option value="">any status</option>
              ${EVENT_STATUSES.map(option)}
            </select>
            <input name="type" placeholder="type" value="${filter.type ?? ''}" />
            <input name="accountIdentifier" placeholder="account" value="${filter.accountIdentifier ?? ''}" />
            <input name="errorCode" placeholder="error code" value="${filter.errorCode ?? ''}" />
            <button type="submit">Filter</button>
          </form>
          <br />
          <table id="events">
            <thead>
              <tr>
                <th>Received</th>
                <th>Status</th>
                <th>Type</th>
                <th>Code</th>
                <th>Account</th>
                <th>Company</th>
                <th>Attempts</th>
                <th>Token</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (e) =>
                  html`<tr data-token="${e.token}">
                    <td>${when(e.receivedAt)}</td>
                    <td>${statusBadge(e.status)}</td>
                    <td>${e.type ?? ''}</td>
                    <td>${e.errorCode ?? ''}</td>
                    <td>${accountRef(e.accountIdentifier, accounts)}</td>
                    <td>${e.companyName ?? ''}</td>
                    <td>${e.attempts}</td>
                    <td><a href="/admin/events/${e.token}">${e.token}</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${items.length === 0 ? html`<p>No events match.</p>` : html``}`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });

  router.get('/events/:token', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const event = await eventDetail(prisma, String(req.params.token));
    const productCalls = event ? await productCallsOf(prisma, event.token) : null;
    if (!event || !productCalls) {
      res
        .status(404)
        .type('html')
        .send(
          page('Not found', html`<p class="error">There is no event ${req.params.token}.</p>`, {
            user: s.owner.name,
            csrf: s.csrf,
          }),
        );
      return;
    }
    const accounts = await knownAccounts(prisma, [event.accountIdentifier]);
    const done = typeof req.query.done === 'string' ? req.query.done : '';
    const state = { status: event.status, delivery: event.resultDelivery };
    const button = (action: 'rerun' | 'resend-result' | 'cancel', label: string) =>
      html`<form class="inline" method="post" action="/admin/events/${event.token}/${action}">
        <input type="hidden" name="_csrf" value="${s.csrf}" /><button type="submit" id="${action}">${label}</button>
      </form> `;
    res.type('html').send(
      page(
        `Event ${event.token}`,
        html`${done ? html`<p class="notice">${done}</p>` : html``}
          <h1>Event ${event.token}</h1>
          <p>
            ${canDo('rerun', state) ? button('rerun', 'Run again') : html``}${
              canDo('resend_result', state) ? button('resend-result', 'Re-send result') : html``
            }${isUnfinished(event.status) ? button('cancel', 'Cancel') : html``}
          </p>
          <dl>
            <dt>Status</dt>
            <dd id="status">${statusBadge(event.status)}</dd>
            <dt>Type</dt>
            <dd id="type">${typeText(event)}${event.flag ? ` · ${event.flag}` : ''}</dd>
            <dt>Account</dt>
            <dd id="account">${accountRef(event.accountIdentifier, accounts)}</dd>
            <dt>Result</dt>
            <dd><code>${JSON.stringify(event.result ?? null)}</code></dd>
            <dt>Last error</dt>
            <dd>${event.lastError ?? ''}</dd>
            <dt>Received</dt>
            <dd>${when(event.receivedAt)}</dd>
            <dt>Finished</dt>
            <dd>${when(event.finishedAt)}</dd>
            <dt>Event URL</dt>
            <dd>${event.eventUrl}</dd>
          </dl>
          <h2>Attempts</h2>
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Started</th>
                <th>Worker</th>
                <th>Outcome</th>
                <th>Code</th>
                <th>Error</th>
                <th>ms</th>
              </tr>
            </thead>
            <tbody>
              ${event.timeline.map(
                (a) =>
                  html`<tr>
                    <td>${a.attempt}</td>
                    <td>${when(a.startedAt)}</td>
                    <td>${a.workerId}</td>
                    <td>${a.outcome}</td>
                    <td>${a.errorCode ?? ''}</td>
                    <td>${a.error ?? ''}</td>
                    <td>${a.durationMs}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <h2>Result delivery</h2>
          ${
            event.resultDelivery
              ? html`<p>${statusBadge(event.resultDelivery.status)} ${event.resultDelivery.resultUrl}</p>
                  <table>
                    <thead>
                      <tr>
                        <th>#</th>
                        <th>Started</th>
                        <th>HTTP</th>
                        <th>Error</th>
                        <th>ms</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${event.resultDelivery.timeline.map(
                        (a) =>
                          html`<tr>
                            <td>${a.attempt}</td>
                            <td>${when(a.startedAt)}</td>
                            <td>${a.httpStatus ?? ''}</td>
                            <td>${a.error ?? ''}</td>
                            <td>${a.durationMs}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
              : html`<p>No result owed yet.</p>`
          }
          ${
            event.earlierDeliveries.length
              ? html`<h2>Earlier results (before a rerun)</h2>
                  <table id="earlier-results">
                    <thead>
                      <tr>
                        <th>Superseded</th>
                        <th>Status</th>
                        <th>Result</th>
                        <th>Attempts</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${event.earlierDeliveries.map(
                        (d) =>
                          html`<tr>
                            <td>${when(d.supersededAt!)}</td>
                            <td>${statusBadge(d.status)}</td>
                            <td>${JSON.stringify(d.body)}</td>
                            <td>${d.attempts}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
              : html``
          }
          ${productCallsSection(event.token, productCalls, s.csrf)}
          <h2>Payload</h2>
          <pre>${JSON.stringify(event.payload, null, 2)}</pre>`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });

  /**
   * The session of a form POST that may change something: refused (403) unless sent from this page with its
   * CSRF token, and (503) while Redis is down, before anything changes — as the admin API does.
   */
  const formSession = async (req: Request, res: Response) => {
    const s = pageSession(config, req);
    if (!s || !checkCsrf(req, s.csrf)) {
      res
        .status(403)
        .type('html')
        .send(
          page(
            'Refused',
            html`<p class="error">The form was not sent from this admin page. Reload it and try again.</p>`,
          ),
        );
      return null;
    }
    if (!(await queuesReachable(deps))) {
      res
        .status(503)
        .set('Retry-After', '5')
        .type('html')
        .send(
          page(
            'Try again',
            html`<p class="error">Redis is not reachable, so nothing was changed. Try again in a few seconds.</p>`,
          ),
        );
      return null;
    }
    return s;
  };

  /**
   * A form that changes something: the action runs with the admin's name for its audit row, then the event's
   * page shows what it did. `run` answers the notice, or null when it asked for a confirmation instead.
   */
  const pageAction = (
    path: string,
    run: (context: ActionContext, req: Request, res: Response, csrf: string) => Promise<string | null>,
  ) =>
    router.post(`/events/:token/${path}`, ...form, async (req, res) => {
      const s = await formSession(req, res);
      if (!s) return;
      const context: ActionContext = {
        prisma,
        queues: producer,
        by: { actor: s.owner.name, requestId: req.requestId },
        logger: req.log,
      };
      const message = await run(context, req, res, s.csrf);
      if (message === null) return;
      const token = String(req.params.token);
      res.redirect(303, `/admin/events/${encodeURIComponent(token)}?done=${encodeURIComponent(message)}`);
    });
  /** The confirmation page for `action` of an event whose answer AppDirect already has; null for pageAction. */
  const confirm = (req: Request, res: Response, csrf: string, action: string): null => {
    const token = String(req.params.token);
    const user = pageSession(config, req)!.owner.name;
    res.type('html').send(page('Confirm', confirmForced(token, csrf, action), { user, csrf }));
    return null;
  };
  const forced = (req: Request) => (req.body as { force?: unknown }).force === 'yes';

  pageAction('rerun', async (context, req, res, csrf) => {
    const outcome = await retryEvent(context, String(req.params.token), { force: forced(req), action: 'rerun' });
    if ('refused' in outcome && outcome.refused === 'needs_force') return confirm(req, res, csrf, 'rerun');
    return notice(
      outcome,
      { rerun: 'Running the event again, from the fetch.' },
      'only a failed or refused event runs again.',
    );
  });
  pageAction('resend-result', async (context, req) => {
    const outcome = await retryEvent(context, String(req.params.token), { action: 'resend_result' });
    return notice(
      outcome,
      { resend_result: 'Re-sending the stored result to AppDirect (the event is not run again).' },
      'only a result whose delivery failed for good is re-sent.',
    );
  });
  pageAction('cancel', async (context, req) => {
    const outcome = await cancelEvent(context, String(req.params.token));
    return outcome === 'cancelled'
      ? 'Cancelled; OPERATION_CANCELLED will be reported to AppDirect.'
      : outcome === 'not_found'
        ? 'There is no such event; nothing was changed.'
        : 'This event is already finished; nothing was changed.';
  });
  pageAction('product-calls/:id/resend', async (context, req) => {
    const id = String(req.params.id);
    if (!(await resendProductCall(context, String(req.params.token), id)))
      return 'That product call is not owed any more; nothing was changed.';
    return `Product call ${id} is being sent again now (same webhook-id).`;
  });
  pageAction('product-calls/reask', async (context, req, res, csrf) => {
    const outcome = await reaskProduct(context, String(req.params.token), { force: forced(req) });
    if ('refused' in outcome && outcome.refused === 'needs_force')
      return confirm(req, res, csrf, 'product-calls/reask');
    return notice(
      outcome,
      {
        reasked: 'The product is being asked again, with a fresh deadline.',
        rerun: 'The event is running again from the start; the product will be asked.',
      },
      'it is not waiting for the product, so there is nothing to re-ask.',
    );
  });

  router.get('/accounts', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const search = typeof req.query.search === 'string' ? req.query.search.trim() : '';
    // Text PostgreSQL cannot compare matches no account: said, not searched.
    const unusable = search.length > 200 ? 'is longer than 200 characters' : unsafeTextReason(search);
    const items = search && !unusable ? await searchAccounts(prisma, search) : [];
    res.type('html').send(
      page(
        'Accounts',
        html`<h1>Accounts</h1>
          ${unusable ? html`<p class="error">The search ${unusable}: no account can match it.</p>` : html``}
          <form method="get" action="/admin/accounts">
            <input name="search" placeholder="company name, company uuid or user e-mail" size="40" value="${search}" />
            <button type="submit">Search</button>
          </form>
          <br />
          ${
            search
              ? html`<table>
                  <thead>
                    <tr>
                      <th>Account</th>
                      <th>Company</th>
                      <th>Status</th>
                      <th>Edition</th>
                      <th>Seats</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${items.map(
                      (a) =>
                        html`<tr>
                          <td><a href="/admin/accounts/${a.accountIdentifier}">${a.accountIdentifier}</a></td>
                          <td>${a.companyName}</td>
                          <td>${statusBadge(a.status)}</td>
                          <td>${a.editionCode}</td>
                          <td>${a.seatsUsed} / ${a.maxUsers ?? '∞'}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html``
          }`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });

  router.get('/accounts/:accountIdentifier', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const account = await accountDetail(prisma, String(req.params.accountIdentifier));
    if (!account) {
      res
        .status(404)
        .type('html')
        .send(
          page('Not found', html`<p class="error">There is no account ${req.params.accountIdentifier}.</p>`, {
            user: s.owner.name,
            csrf: s.csrf,
          }),
        );
      return;
    }
    res.type('html').send(
      page(
        account.company.name,
        html`<h1>${account.company.name}</h1>
          <dl>
            <dt>Account</dt>
            <dd>${account.accountIdentifier}</dd>
            <dt>Status</dt>
            <dd>${statusBadge(account.status)} (provisioning ${account.provisioningStatus})</dd>
            <dt>Edition</dt>
            <dd>${account.editionCode} · ${account.pricingDuration ?? ''}</dd>
            <dt>Seats</dt>
            <dd id="seats">${account.seatsUsed} used / ${account.maxUsers ?? 'unlimited'}</dd>
            <dt>Company</dt>
            <dd>${account.company.uuid}</dd>
          </dl>
          <h2>Users</h2>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>E-mail</th>
                <th>Role</th>
                <th>AppDirect uuid</th>
                <th>Assigned</th>
              </tr>
            </thead>
            <tbody>
              ${account.users.map(
                (u) =>
                  html`<tr>
                    <td>${u.name ?? ''}</td>
                    <td>${u.email}</td>
                    <td>${u.role}</td>
                    <td>${u.uuid}</td>
                    <td>${when(u.assignedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <h2>Add-ons</h2>
          ${
            account.addons.length
              ? html`<ul>
                  ${account.addons.map((a) => html`<li>${a.offeringCode} (${a.id}, ${a.status})</li>`)}
                </ul>`
              : html`<p>None.</p>`
          }
          <h2>Latest events</h2>
          <table>
            <tbody>
              ${account.events.map(
                (e) =>
                  html`<tr>
                    <td>${when(e.receivedAt)}</td>
                    <td>${statusBadge(e.status)}</td>
                    <td>${e.type ?? ''}</td>
                    <td>${e.errorCode ?? ''}</td>
                    <td><a href="/admin/events/${e.token}">${e.token}</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });
  return router;
}

type ProductCalls = Awaited<ReturnType<typeof productCallsOf>>;
type ProductAttempt = ProductCalls['decisions'][number];

/** The event's calls to the vendor's product, each with its attempts, and the operator's two actions. */
function productCallsSection(token: string, calls: ProductCalls, csrf: string) {
  if (calls.calls.length === 0 && calls.decisions.length === 0) return html``;
  const attemptsTable = (attempts: readonly Omit<ProductAttempt, 'kind'>[]) =>
    html`<table>
      <thead>
        <tr>
          <th>At</th>
          <th>Request id</th>
          <th>Transport</th>
          <th>Outcome</th>
          <th>HTTP</th>
          <th>ms</th>
          <th>Answer or error</th>
        </tr>
      </thead>
      <tbody>
        ${attempts.map(
          (a) =>
            html`<tr>
              <td>${when(a.at)}</td>
              <td><code>${a.requestId}</code></td>
              <td>${a.transport}</td>
              <td>${a.outcome}</td>
              <td>${a.httpStatus ?? ''}</td>
              <td>${a.durationMs ?? ''}</td>
              <td>${a.error ?? (a.answer === null || a.answer === undefined ? '' : JSON.stringify(a.answer))}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  const post = (action: string, label: string, id: string) =>
    html`<form class="inline" method="post" action="/admin/events/${token}/product-calls/${action}">
      <input type="hidden" name="_csrf" value="${csrf}" /><button type="submit" id="${id}">${label}</button>
    </form>`;
  return html`<h2 id="product-calls">Product calls</h2>
    ${calls.calls.map(
      (call) =>
        html`<h3>${call.kind} (${call.mode}) · ${call.done ? 'taken' : 'owed'} · ${call.attempts} attempt(s)</h3>
          ${call.lastError ? html`<p class="error">${call.lastError}</p>` : html``}
          ${!call.done && call.mode === 'notify' ? post(`${call.id}/resend`, 'Re-send', `resend-${call.id}`) : html``}
          ${call.timeline.length ? attemptsTable(call.timeline) : html`<p>No attempt yet.</p>`}`,
    )}
    ${
      calls.decisions.length
        ? html`<h3>Decisions asked</h3>
            ${post('reask', 'Re-ask the product', 'reask')} ${attemptsTable(calls.decisions)}`
        : html``
    }`;
}
