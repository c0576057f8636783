/**
 * The landing view of /admin: the overview (src/admin/overview.ts) as a page, and the lists its
 * "needs action" items link to that the event list does not cover (undelivered results, hook calls).
 */
import { Router, type Request, type Response } from 'express';
import { type Overview, type OverviewBucket } from '../../admin/overview';
import { FAILURE_CODES } from '../../errors/catalogue';
import { buildOverview } from '../../admin/overview';
import { knownAccounts } from '../../admin/accounts';
import {
  DELIVERY_STATES,
  HOOK_STATES,
  listHookCalls,
  listUndeliveredResults,
  type DeliveryState,
  type HookState,
} from '../../admin/owed';
import type { AppDeps } from '../deps';
import { pageSession } from './auth';
import { CHART_STYLE, lineChart, stackedBarChart, type LineSeries, type SeriesStyle } from './charts';
import { accountRef, html, page, raw, statusBadge, when, type Raw } from './html';
import { overviewSources } from './overview-api';
import { loginPage } from './page';

/** "3 min 20 s", "2 h 5 min", "4 d 3 h". */
export function age(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const REFUSAL_STYLES: ReadonlyArray<Pick<SeriesStyle, 'color' | 'pattern'>> = [
  { color: '#3b66f0', pattern: 'hatch' },
  { color: '#8a5cd1', pattern: 'dots' },
  { color: '#d98a00', pattern: 'vertical' },
  { color: '#0f8b8d', pattern: 'horizontal' },
  { color: '#a0527a', pattern: 'crosshatch' },
];

/** success, each refusal code seen in the window, failed, cancelled: the order bars are stacked in. */
function outcomeSeries(overview: Overview): SeriesStyle[] {
  const codes = Object.keys(overview.totals.refused).sort();
  return [
    { key: 'succeeded', label: 'success', color: '#2e8b57', pattern: 'solid' },
    ...codes.map((code, i) => ({
      key: code,
      label: `refused: ${code}`,
      ...REFUSAL_STYLES[i % REFUSAL_STYLES.length]!,
    })),
    { key: 'failed', label: 'failed', color: '#b3261e', pattern: 'crosshatch' },
    { key: 'cancelled', label: 'cancelled', color: '#6b7280', pattern: 'dots' },
  ];
}

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

function outcomeValues(bucket: OverviewBucket): Record<string, number> {
  return { succeeded: bucket.succeeded, ...bucket.refused, failed: sum(bucket.failed), cancelled: bucket.cancelled };
}

const hhmm = (iso: string) => iso.slice(11, 16);
const mmdd = (iso: string) => iso.slice(5, 10);

/** Interval label and a tick every few intervals (every 3 hours over 24 h, every day over 7 days). */
function labels(overview: Overview) {
  return overview.series.map((bucket, index) => ({
    label: `${mmdd(bucket.start)} ${hhmm(bucket.start)}–${hhmm(bucket.end)} UTC`,
    tick: index % 6 === 0 ? (overview.window === '24h' ? hhmm(bucket.start) : mmdd(bucket.start)) : '',
  }));
}

function charts(overview: Overview): Raw {
  const series = outcomeSeries(overview);
  const names = labels(overview);
  const outcomes = stackedBarChart(
    'chart-outcomes',
    'Events finished per interval, by outcome',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: outcomeValues(bucket) })),
    series,
    'events',
    `failed: ${FAILURE_CODES.join(', ')} (the service could not do the work: look, fix, run again). Refused: business answers AppDirect shows its user (nothing to do).`,
  );
  const latencySeries: LineSeries[] = [
    { key: 'p50', label: 'median', color: '#3b66f0', pattern: 'solid', marker: 'circle', dash: '0' },
    { key: 'p95', label: '95th percentile', color: '#b3261e', pattern: 'solid', marker: 'square', dash: '6 3' },
  ];
  const latency = lineChart(
    'chart-latency',
    'Time from receipt to result (seconds)',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: { p50: bucket.p50Seconds, p95: bucket.p95Seconds } })),
    latencySeries,
    's',
  );
  const backlog = stackedBarChart(
    'chart-backlog',
    'Results owed to AppDirect and not yet delivered (end of each interval)',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: { backlog: bucket.deliveryBacklog } })),
    [{ key: 'backlog', label: 'undelivered results', color: '#d98a00', pattern: 'hatch' }],
    'results',
  );
  return html`${outcomes}${latency}${backlog}`;
}

function numbersTable(overview: Overview): Raw {
  const series = outcomeSeries(overview);
  const names = labels(overview);
  return html`<details id="numbers">
    <summary>The charts' numbers as a table</summary>
    <table id="overview-table">
      <thead>
        <tr>
          <th scope="col">Interval</th>
          ${series.map((s) => html`<th scope="col">${s.label}</th>`)}
          <th scope="col">median s</th>
          <th scope="col">p95 s</th>
          <th scope="col">undelivered results</th>
        </tr>
      </thead>
      <tbody>
        ${overview.series.map((bucket, i) => {
          const values = outcomeValues(bucket);
          return html`<tr>
            <th scope="row">${names[i]!.label}</th>
            ${series.map((s) => html`<td>${values[s.key] ?? 0}</td>`)}
            <td>${bucket.p50Seconds ?? ''}</td>
            <td>${bucket.p95Seconds ?? ''}</td>
            <td>${bucket.deliveryBacklog}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </details>`;
}

function needsAction(overview: Overview): Raw {
  const { failedEvents, undeliveredResults: results, hookCalls } = overview.needsAction;
  const items: Raw[] = [];
  for (const [code, count] of Object.entries(failedEvents.byCode)) {
    items.push(
      html`<li>
        <a href="/admin/events?status=failed&amp;errorCode=${code}">${count} event(s) failed with ${code}</a> in the
        last ${overview.window}
      </li>`,
    );
  }
  if (results.failed)
    items.push(
      html`<li>
        <a href="/admin/deliveries?state=failed">${results.failed} result(s) AppDirect has not received</a>: delivery
        failed for good (re-send them: <em>Re-send result</em> on each event, or <code>events resend-result</code> by
        filter)
      </li>`,
    );
  if (results.retrying)
    items.push(
      html`<li>
        <a href="/admin/deliveries?state=retrying">${results.retrying} result(s) being retried</a> after a failed
        POST${results.oldestPendingAgeSeconds !== null ? `, oldest owed for ${age(results.oldestPendingAgeSeconds)}` : ''}
      </li>`,
    );
  if (hookCalls.failing)
    items.push(
      html`<li>
        <a href="/admin/hooks?state=failing"
          >${hookCalls.failing} call(s) to the product's provisioning hooks failing</a
        >
      </li>`,
    );
  const missing = overview.workers.filter((w) => w.state === 'missing');
  if (missing.length)
    items.push(html`<li><a href="#workers">${missing.length} worker(s) stopped sending heartbeats</a></li>`);
  if (!overview.workers.some((w) => w.state === 'alive'))
    items.push(html`<li><a href="#workers">No worker is running</a>: nothing is being processed</li>`);
  return items.length
    ? html`<section class="needs" id="needs-action">
        <h2>Needs action</h2>
        <ul>
          ${items}
        </ul>
      </section>`
    : html`<section class="ok" id="needs-action">
        <h2>Needs action</h2>
        <p>Nothing needs action.</p>
      </section>`;
}

function nowSection(overview: Overview): Raw {
  const { now, finishedInWindow } = overview.statusCounts;
  const oldest = overview.oldestWaiting;
  const counter = (label: string, value: number, href: string) =>
    html`<a class="counter" href="${href}"><strong>${value}</strong><span>${label}</span></a>`;
  return html`<section id="now">
    <h2>Now</h2>
    <div class="counters">
      ${Object.entries(now).map(([status, n]) => counter(status, n, `/admin/events?status=${status}`))}
      ${counter(`succeeded (${overview.window})`, finishedInWindow.succeeded, '/admin/events?status=succeeded')}
      ${counter(`refused (${overview.window})`, finishedInWindow.refused, '/admin/events?status=refused')}
      ${counter(`failed (${overview.window})`, finishedInWindow.failed, '/admin/events?status=failed')}
      ${counter(`cancelled (${overview.window})`, finishedInWindow.cancelled, '/admin/events?status=cancelled')}
    </div>
    <p id="oldest-waiting">
      ${
        oldest
          ? html`Oldest waiting event: <a href="/admin/events/${oldest.token}">${oldest.token}</a> (${oldest.status}),
              waiting for <strong>${age(oldest.ageSeconds)}</strong>.`
          : html`No event is waiting.`
      }
    </p>
  </section>`;
}

function workersSection(overview: Overview): Raw {
  const queueText = (queues: Overview['workers'][number]['queues']) =>
    Object.entries(queues)
      .map(([queue, q]) => `${queue}: ${q.running}/${q.concurrency} running, ${q.done} done`)
      .join('; ');
  return html`<section id="workers">
    <h2>Worker processes (seen in the last 24 h)</h2>
    ${
      overview.workers.length
        ? html`<table>
            <thead>
              <tr>
                <th>Worker</th>
                <th>State</th>
                <th>Last heartbeat</th>
                <th>Runs</th>
                <th>Version</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              ${overview.workers.map(
                (w) =>
                  html`<tr>
                    <td>${w.workerId}</td>
                    <td>${statusBadge(w.state)}</td>
                    <td>${age(w.lastSeenSecondsAgo)} ago (${when(w.lastSeenAt)})</td>
                    <td>${queueText(w.queues)}</td>
                    <td>${w.version}</td>
                    <td>${when(w.startedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p>No worker has sent a heartbeat in the last 24 hours.</p>`
    }
    ${
      overview.queues
        ? html`<h3>Queues</h3>
            <table id="queues">
              <thead>
                <tr>
                  <th>Queue</th>
                  <th>waiting</th>
                  <th>active</th>
                  <th>delayed</th>
                  <th>failed</th>
                </tr>
              </thead>
              <tbody>
                ${Object.entries(overview.queues).map(
                  ([name, c]) =>
                    html`<tr>
                      <td>${name}</td>
                      <td>${c.waiting ?? 0}</td>
                      <td>${c.active ?? 0}</td>
                      <td>${c.delayed ?? 0}</td>
                      <td>${c.failed ?? 0}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : html`<p class="error">Redis did not answer: queue counts are unavailable.</p>`
    }
  </section>`;
}

const PAGE_STYLE = `${CHART_STYLE}
  .windows a { margin-right: 12px; } .windows a[aria-current] { font-weight: 700; color: #1d2330; text-decoration: none; }
  section { margin-bottom: 22px; }
  .needs { background: #fff4e5; border: 1px solid #f0c27b; padding: 4px 16px; }
  .ok { background: #e9f7ee; border: 1px solid #9fd8b2; padding: 4px 16px; }
  .counters { display: flex; flex-wrap: wrap; gap: 10px; }
  a.counter { display: flex; flex-direction: column; min-width: 120px; padding: 8px 12px; background: #fff; border: 1px solid #e3e6eb; text-decoration: none; color: #1d2330; }
  a.counter strong { font-size: 22px; }
  .status.alive { background: #dcf5e3; color: #12602c; } .status.missing { background: #fde2e1; color: #a1150f; }
`;

/** The window named by `?window=`, 24h when absent or unknown (the page never errors on it). */
const pageWindow = (req: Request) => (req.query.window === '7d' ? '7d' : '24h');

export function overviewPageRouter(deps: AppDeps): Router {
  const router = Router();
  const session = (req: Request, res: Response) => {
    const found = pageSession(deps.config, req);
    if (!found) loginPage(res);
    return found;
  };

  router.get('/', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const overview = await buildOverview(overviewSources(deps), pageWindow(req));
    const windowLink = (name: '24h' | '7d', label: string) =>
      html`<a href="/admin?window=${name}" ${overview.window === name ? raw('aria-current="page"') : ''}>${label}</a>`;
    res.type('html').send(
      page(
        'Overview',
        html`<style>
            ${raw(PAGE_STYLE)}
          </style>
          <h1>Overview</h1>
          <p class="windows">
            Window: ${windowLink('24h', 'last 24 hours')}${windowLink('7d', 'last 7 days')}
            <span>· ${when(overview.from)} – ${when(overview.to)} UTC, updated ${when(overview.generatedAt)}</span>
          </p>
          ${needsAction(overview)}${nowSection(overview)}
          <section id="charts">
            <h2>Last ${overview.window === '24h' ? '24 hours' : '7 days'}</h2>
            ${charts(overview)}${numbersTable(overview)}
          </section>
          ${workersSection(overview)}`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });

  router.get('/deliveries', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const state: DeliveryState = DELIVERY_STATES.find((name) => name === req.query.state) ?? 'failed';
    const items = await listUndeliveredResults(deps.prisma, state);
    const tab = (name: DeliveryState) =>
      html`<a href="/admin/deliveries?state=${name}" ${name === state ? raw('aria-current="page"') : ''}>${name}</a>`;
    res.type('html').send(
      page(
        'Undelivered results',
        html`<style>
            ${raw(PAGE_STYLE)}
          </style>
          <h1>Results AppDirect has not received</h1>
          <p class="windows">${DELIVERY_STATES.map(tab)}</p>
          <table id="deliveries">
            <thead>
              <tr>
                <th>Event</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Owed since</th>
                <th>Last attempt</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (d) =>
                  html`<tr data-token="${d.token}">
                    <td><a href="/admin/events/${d.token}">${d.token}</a></td>
                    <td>${statusBadge(d.status)}</td>
                    <td>${d.attempts}</td>
                    <td>${d.lastError ?? ''}</td>
                    <td>${when(d.createdAt)}</td>
                    <td>${when(d.updatedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${items.length ? html`` : html`<p>None.</p>`}`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });

  router.get('/hooks', async (req, res) => {
    const s = session(req, res);
    if (!s) return;
    const state: HookState = HOOK_STATES.find((name) => name === req.query.state) ?? 'failing';
    const items = await listHookCalls(deps.prisma, state);
    const accounts = await knownAccounts(
      deps.prisma,
      items.map((item) => item.accountIdentifier),
    );
    const tab = (name: HookState) =>
      html`<a href="/admin/hooks?state=${name}" ${name === state ? raw('aria-current="page"') : ''}
        >${name.replace('_', ' ')}</a
      >`;
    res.type('html').send(
      page(
        'Provisioning hook calls',
        html`<style>
            ${raw(PAGE_STYLE)}
          </style>
          <h1>Calls to the product's provisioning hooks not done</h1>
          <p class="windows">${HOOK_STATES.map(tab)}</p>
          <table id="hooks">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Account</th>
                <th>Event</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Owed since</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (h) =>
                  html`<tr data-id="${h.id}">
                    <td>${h.kind}</td>
                    <td>${accountRef(h.accountIdentifier, accounts)}</td>
                    <td><a href="/admin/events/${h.eventToken}">${h.eventToken}</a></td>
                    <td>${h.attempts}</td>
                    <td>${h.lastError ?? ''}</td>
                    <td>${when(h.createdAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${items.length ? html`` : html`<p>None.</p>`}`,
        { user: s.owner.name, csrf: s.csrf },
      ),
    );
  });
  return router;
}
