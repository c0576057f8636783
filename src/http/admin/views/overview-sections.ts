/** The overview's sections that say what is wrong and what is running: needs action, now, workers. */
import type { Overview } from '../../../admin/overview';
import { cells, problem, statusBadge, table, timestamp } from './components';
import { html, type SafeHtml } from './html';

/** "3 min 20 s", "2 h 5 min", "4 d 3 h". */
export function age(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** Each thing an operator should look at, linked to the list it counts; or that nothing needs action. */
export function needsAction(overview: Overview): SafeHtml {
  const { failedEvents, undeliveredResults: results, hookCalls, undeliveredReports: reports } = overview.needsAction;
  const items: SafeHtml[] = Object.entries(failedEvents.byCode).map(
    ([code, count]) =>
      html`<li>
        <a href="/admin/events?status=failed&amp;errorCode=${code}">${count} event(s) failed with ${code}</a> in the
        last ${overview.window}
      </li>`,
  );
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
        POST${results.oldestPendingAgeSeconds !== null && `, oldest owed for ${age(results.oldestPendingAgeSeconds)}`}
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
  if (reports.failed)
    items.push(
      html`<li>
        <a href="/admin/reports?state=failed"
          >${reports.failed} report(s) of the product (usage to bill, user sync) the marketplace has not received</a
        >: delivery failed for good (re-send or cancel each there, or <code>usage resend</code>,
        <code>usage cancel</code>)
      </li>`,
    );
  if (reports.retrying)
    items.push(
      html`<li>
        <a href="/admin/reports?state=retrying">${reports.retrying} report(s) of the product being retried</a>
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

/** Unfinished events by status, finished ones in the window, and the oldest waiting event. */
export function nowSection(overview: Overview): SafeHtml {
  const { now, finishedInWindow } = overview.statusCounts;
  const oldest = overview.oldestWaiting;
  const counter = (label: string, value: number, status: string) =>
    html`<a class="counter" href="/admin/events?status=${status}"><strong>${value}</strong><span>${label}</span></a>`;
  const finished = (['succeeded', 'refused', 'failed', 'cancelled'] as const).map((status) =>
    counter(`${status} (${overview.window})`, finishedInWindow[status], status),
  );
  return html`<section id="now">
    <h2>Now</h2>
    <div class="counters">${Object.entries(now).map(([status, n]) => counter(status, n, status))} ${finished}</div>
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

const queueText = (queues: Overview['workers'][number]['queues']) =>
  Object.entries(queues)
    .map(([queue, q]) => `${queue}: ${q.running}/${q.concurrency} running, ${q.done} done`)
    .join('; ');

/** Worker processes seen in the last 24 h, and the queues' job counts (unless Redis did not answer). */
export function workersSection(overview: Overview): SafeHtml {
  const workers = overview.workers.map(
    (w) =>
      html`<tr>
        ${cells([
          w.workerId,
          statusBadge(w.state),
          `${age(w.lastSeenSecondsAgo)} ago (${timestamp(w.lastSeenAt)})`,
          queueText(w.queues),
          w.version,
          timestamp(w.startedAt),
        ])}
      </tr>`,
  );
  const queues = Object.entries(overview.queues ?? {}).map(
    ([name, c]) =>
      html`<tr>
        ${cells([name, c.waiting ?? 0, c.active ?? 0, c.delayed ?? 0, c.failed ?? 0])}
      </tr>`,
  );
  return html`<section id="workers">
    <h2>Worker processes (seen in the last 24 h)</h2>
    ${
      workers.length
        ? table(['Worker', 'State', 'Last heartbeat', 'Runs', 'Version', 'Started'], workers)
        : html`<p>No worker has sent a heartbeat in the last 24 hours.</p>`
    }
    ${
      overview.queues
        ? html`<h3>Queues</h3>
            ${table(['Queue', 'waiting', 'active', 'delayed', 'failed'], queues, 'queues')}`
        : problem('Redis did not answer: queue counts are unavailable.')
    }
  </section>`;
}
