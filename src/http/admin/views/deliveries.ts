/** Results AppDirect has not received (/admin/deliveries?state=): failed for good, retrying, or any pending. */
import { cells, eventLink, statusBadge, table, tabs, timestamp } from './components';
import { html, url, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface UndeliveredRow {
  readonly token: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DeliveriesScreen {
  readonly states: readonly string[];
  readonly state: string;
  readonly deliveries: readonly UndeliveredRow[];
}

export function deliveriesView(screen: DeliveriesScreen, viewer: Viewer): SafeHtml {
  const stateTabs = tabs(
    screen.states.map((name) => ({
      href: url`/admin/deliveries?state=${name}`,
      label: name,
      current: name === screen.state,
    })),
  );
  const rows = screen.deliveries.map(
    (d) =>
      html`<tr data-token="${d.token}">
        ${cells([
          eventLink(d.token),
          statusBadge(d.status),
          d.attempts,
          d.lastError,
          timestamp(d.createdAt),
          timestamp(d.updatedAt),
        ])}
      </tr>`,
  );
  return layout(
    { title: 'Undelivered results', viewer, section: 'overview' },
    html`<h1>Results AppDirect has not received</h1>
      <p class="windows">${stateTabs}</p>
      ${table(['Event', 'Status', 'Attempts', 'Last error', 'Owed since', 'Last attempt'], rows, 'deliveries')}
      ${rows.length === 0 && html`<p>None.</p>`}`,
  );
}
