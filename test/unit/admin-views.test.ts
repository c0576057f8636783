/**
 * The admin page's other screens (src/http/admin/views/) rendered from typed data with hostile text in
 * every slot: login, overview, accounts, an account, the owed lists, the messages; and where the login
 * form may send a browser back to.
 */
import type { Overview } from '../../src/admin/overview';
import { returnPath } from '../../src/http/admin/page/session';
import { accountView, type AccountView } from '../../src/http/admin/views/account';
import { accountsView } from '../../src/http/admin/views/accounts';
import { deliveriesView } from '../../src/http/admin/views/deliveries';
import type { Viewer } from '../../src/http/admin/views/layout';
import { loginView } from '../../src/http/admin/views/login';
import { formRefusedView, notFoundView, queuesDownView } from '../../src/http/admin/views/messages';
import { overviewView } from '../../src/http/admin/views/overview';
import { productCallsView } from '../../src/http/admin/views/product-calls';
import { checkPage, escaped, hostile } from '../support/safe-html';

const viewer: Viewer = { user: hostile('user'), csrf: hostile('csrf') };
const at = new Date('2026-12-07T10:30:00Z');
const shows = (page: string, slots: readonly string[]) =>
  expect(slots.filter((slot) => !page.includes(escaped(hostile(slot))))).toEqual([]);

function account(marketplaceBaseUrl: string): AccountView {
  return {
    accountIdentifier: hostile('accountIdentifier'),
    status: hostile('status'),
    provisioningStatus: hostile('provisioningStatus'),
    editionCode: hostile('editionCode'),
    pricingDuration: hostile('pricingDuration'),
    maxUsers: null,
    seatsUsed: 2,
    company: { uuid: hostile('company.uuid'), name: hostile('company.name') },
    marketplaceBaseUrl,
    users: [
      { uuid: hostile('user.uuid'), email: hostile('email'), name: hostile('name'), role: 'owner', assignedAt: at },
    ],
    addons: [{ id: hostile('addon.id'), offeringCode: hostile('offeringCode'), status: hostile('addon.status') }],
    events: [
      { token: hostile('token'), type: hostile('type'), status: 'failed', errorCode: hostile('code'), receivedAt: at },
    ],
    restrictionAnswers: [
      {
        at,
        operation: hostile('operation'),
        restrictions: [{ details: { code: hostile('restriction.code'), message: hostile('restriction.message') } }],
        product: hostile('product'),
        productError: hostile('productError'),
      },
    ],
    migration: {
      subscriptionIdentifier: hostile('subscriptionIdentifier'),
      tenantIdentifier: hostile('tenantIdentifier'),
      migratedAt: at,
    },
  };
}

function overview(): Overview {
  const bucket = (start: string, end: string) => ({
    start,
    end,
    succeeded: 3,
    refused: { [hostile('refusal')]: 1 },
    failed: { [hostile('failure')]: 2 },
    cancelled: 0,
    p50Seconds: 0.4,
    p95Seconds: null,
    deliveryBacklog: 1,
  });
  return {
    window: '24h',
    generatedAt: at.toISOString(),
    from: '2026-12-06T10:30:00.000Z',
    to: at.toISOString(),
    bucketSeconds: 1800,
    statusCounts: {
      now: { received: 1, queued: 0, processing: 2 },
      finishedInWindow: { succeeded: 3, refused: 1, failed: 2, cancelled: 0 },
    },
    oldestWaiting: {
      token: hostile('oldest'),
      status: hostile('oldest.status'),
      receivedAt: at.toISOString(),
      ageSeconds: 75,
    },
    needsAction: {
      failedEvents: { total: 2, byCode: { [hostile('failure')]: 2 } },
      undeliveredResults: { failed: 1, retrying: 1, pending: 1, oldestPendingAgeSeconds: 4000 },
      hookCalls: { failing: 1, notDone: 1, oldestNotDoneAgeSeconds: 10 },
      undeliveredReports: { failed: 1, retrying: 1, pending: 1, oldestPendingAgeSeconds: 30 },
    },
    queues: { [hostile('queue')]: { waiting: 1 } },
    workers: [
      {
        workerId: hostile('workerId'),
        host: 'h',
        pid: 1,
        version: hostile('version'),
        state: 'missing',
        startedAt: at.toISOString(),
        lastSeenAt: at.toISOString(),
        lastSeenSecondsAgo: 40,
        queues: { [hostile('worker.queue')]: { concurrency: 8, running: 1, done: 5 } },
      },
    ],
    totals: {
      succeeded: 3,
      refused: { [hostile('refusal')]: 1 },
      failed: {},
      cancelled: 0,
      p50Seconds: 1,
      p95Seconds: 2,
    },
    series: [
      bucket('2026-12-07T09:30:00.000Z', '2026-12-07T10:00:00.000Z'),
      bucket('2026-12-07T10:00:00.000Z', '2026-12-07T10:30:00.000Z'),
    ],
  };
}

describe('admin views', () => {
  it('checks pages the way the view tests rely on: markup, handlers and other schemes are found', () => {
    expect(() => checkPage('<p><img src=x></p>')).toThrow(/<img>/);
    expect(() => checkPage('<p onclick="x">a</p>')).toThrow(/event handler/);
    expect(() => checkPage('<a href="javascript:alert(1)">a</a>')).toThrow(/link to javascript/);
    expect(() => checkPage('<a href="//evil.example/">a</a>')).toThrow(/link to/);
    expect(() => checkPage('<p class="a" hidden>a</p><p title=x>b</p>')).toThrow(/not an attribute/);
    expect(checkPage('<a href="/admin/events/a%2Fb">a</a>')).toEqual([
      { element: 'a', attribute: 'href', url: '/admin/events/a%2Fb' },
    ]);
  });

  it('shows the login form with its error and the page it returns to, escaped', () => {
    const page = loginView({ error: hostile('error'), returnTo: hostile('returnTo') }).toString();
    checkPage(page);
    shows(page, ['error', 'returnTo']);
    expect(page).not.toContain('Log out');
  });

  it('sends a browser back only to a path of the admin page after logging in', () => {
    for (const path of ['/admin', '/admin/events?status=failed&errorCode=X', '/admin/events/abc', '/admin?window=7d'])
      expect(returnPath(path)).toBe(path);
    for (const path of ['https://evil.example/admin', '//evil.example/admin', '/admin//evil.example', '/admin\\x'])
      expect(returnPath(path)).toBe('/admin');
    for (const other of [
      '/administrator',
      '/metrics',
      'admin',
      '',
      undefined,
      ['/admin'],
      '/admin/\u0000',
      '/admin/ x',
    ])
      expect(returnPath(other)).toBe('/admin');
  });

  it('shows the overview with every code, worker, queue and token escaped', () => {
    const page = overviewView(overview(), viewer).toString();
    const links = checkPage(page);
    shows(page, [
      'user',
      'failure',
      'refusal',
      'oldest',
      'oldest.status',
      'workerId',
      'version',
      'worker.queue',
      'queue',
    ]);
    const urls = links.map((link) => link.url);
    expect(urls).toContain(`/admin/events?status=failed&errorCode=${encodeURIComponent(hostile('failure'))}`);
    expect(urls).toContain(`/admin/events/${encodeURIComponent(hostile('oldest'))}`);
    expect(page).toContain('1 worker(s) stopped sending heartbeats');
    expect(page).toContain('No worker is running');
    expect(page).toMatch(/<strong>2<\/strong><span>failed \(24h\)<\/span>/);
  });

  it('says when Redis gave no queue counts and nothing needs action', () => {
    const quiet: Overview = {
      ...overview(),
      queues: null,
      needsAction: {
        failedEvents: { total: 0, byCode: {} },
        undeliveredResults: { failed: 0, retrying: 0, pending: 0, oldestPendingAgeSeconds: null },
        hookCalls: { failing: 0, notDone: 0, oldestNotDoneAgeSeconds: null },
        undeliveredReports: { failed: 0, retrying: 0, pending: 0, oldestPendingAgeSeconds: null },
      },
      workers: [{ ...overview().workers[0]!, state: 'alive' }],
    };
    const page = overviewView(quiet, viewer).toString();
    checkPage(page);
    expect(page).toContain('Nothing needs action.');
    expect(page).toContain('Redis did not answer: queue counts are unavailable.');
  });

  it('lists accounts found, each linked by its percent-encoded identifier', () => {
    const rows = [{ ...account(''), companyName: hostile('companyName'), accountIdentifier: 'a/b?c' }];
    const page = accountsView({ search: hostile('search'), unusable: hostile('unusable'), accounts: rows }, viewer);
    const links = checkPage(page.toString());
    shows(page.toString(), ['search', 'unusable', 'companyName', 'status', 'editionCode']);
    expect(links.map((link) => link.url)).toContain('/admin/accounts/a%2Fb%3Fc');
    expect(accountsView({ search: 'x', unusable: null, accounts: [] }, viewer).toString()).toContain(
      'No account matches.',
    );
  });

  it.each([
    ['javascript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['https://marketplace.example/?a="b"', 'https://marketplace.example/?a=%22b%22'],
  ])('shows an account, its marketplace %j linked only as http(s)', (marketplace, linked) => {
    const page = accountView(account(marketplace), viewer).toString();
    const links = checkPage(page);
    shows(page, ['accountIdentifier', 'status', 'provisioningStatus', 'editionCode', 'pricingDuration']);
    shows(page, ['company.uuid', 'company.name', 'user.uuid', 'email', 'name', 'addon.id', 'offeringCode', 'code']);
    shows(page, ['operation', 'restriction.code', 'restriction.message', 'product', 'productError']);
    shows(page, ['subscriptionIdentifier', 'tenantIdentifier']);
    expect(links.map((link) => link.url)).toContain(`/admin/events/${encodeURIComponent(hostile('token'))}`);
    const external = links.filter((link) => /^https?:/.test(link.url)).map((link) => link.url);
    expect(external).toEqual(linked ? [linked] : []);
    expect(page).toContain(escaped(marketplace));
  });

  it('lists undelivered results and owed product calls with their values escaped', () => {
    const deliveries = deliveriesView(
      {
        states: ['failed', 'retrying'],
        state: 'failed',
        deliveries: [
          {
            token: hostile('token'),
            status: hostile('status'),
            attempts: 3,
            lastError: hostile('lastError'),
            createdAt: at,
            updatedAt: at,
          },
        ],
      },
      viewer,
    ).toString();
    checkPage(deliveries);
    shows(deliveries, ['token', 'status', 'lastError']);
    expect(deliveries).toMatch(/<a href="\/admin\/deliveries\?state=failed" aria-current="page">failed<\/a>/);
    const calls = productCallsView(
      {
        states: ['failing', 'not_done'],
        state: 'not_done',
        calls: [
          {
            id: hostile('id'),
            kind: hostile('kind'),
            accountIdentifier: hostile('account'),
            eventToken: hostile('event'),
            attempts: 1,
            lastError: hostile('lastError'),
            createdAt: at,
          },
        ],
        knownAccounts: new Set([hostile('account')]),
      },
      viewer,
    ).toString();
    const links = checkPage(calls);
    shows(calls, ['id', 'kind', 'account', 'event', 'lastError']);
    expect(links.map((link) => link.url)).toContain(`/admin/accounts/${encodeURIComponent(hostile('account'))}`);
    expect(calls).toMatch(/aria-current="page">not done<\/a>/);
    expect(deliveriesView({ states: ['failed'], state: 'failed', deliveries: [] }, viewer).toString()).toContain(
      '<p>None.</p>',
    );
  });

  it('says what is missing or refused, escaped', () => {
    const missing = notFoundView(`event ${hostile('token')}`, viewer).toString();
    checkPage(missing);
    shows(missing, ['token', 'user']);
    for (const page of [formRefusedView().toString(), queuesDownView().toString()]) {
      checkPage(page);
      expect(page).not.toContain('Log out');
    }
  });
});
