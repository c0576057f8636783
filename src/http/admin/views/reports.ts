/**
 * The product's reports to the marketplace (/admin/reports?state=&kind=): usage to bill and user syncs, with
 * Re-send and Cancel on those not delivered (each a form carrying the session's CSRF token).
 */
import type { ReportItem } from '../../../admin/reports';
import { cells, notice, postButton, statusBadge, table, tabs, timestamp } from './components';
import { html, url, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface ReportsScreen {
  readonly states: readonly string[];
  readonly state: string;
  readonly reports: readonly ReportItem[];
  /** What the last action did (a signed notice). */
  readonly done?: string;
}

export function reportsView(screen: ReportsScreen, viewer: Viewer): SafeHtml {
  const stateTabs = tabs(
    screen.states.map((name) => ({
      href: url`/admin/reports?state=${name}`,
      label: name,
      current: name === screen.state,
    })),
  );
  const actions = (report: ReportItem): SafeHtml[] =>
    report.status === 'pending' || report.status === 'failed'
      ? [
          postButton({
            action: url`/admin/reports/${report.id}/resend?state=${screen.state}`,
            csrf: viewer.csrf,
            label: 'Re-send',
            id: `resend-${report.id}`,
          }),
          postButton({
            action: url`/admin/reports/${report.id}/cancel?state=${screen.state}`,
            csrf: viewer.csrf,
            label: 'Cancel',
            id: `cancel-${report.id}`,
          }),
        ]
      : [];
  const rows = screen.reports.map(
    (report) =>
      html`<tr data-report="${report.id}">
        ${cells([
          report.id,
          report.kind,
          html`<a href="/admin/accounts/${report.accountIdentifier}">${report.accountIdentifier}</a>`,
          report.idempotencyKey,
          statusBadge(report.status),
          report.attempts,
          report.lastError,
          timestamp(report.createdAt),
          actions(report),
        ])}
      </tr>`,
  );
  return layout(
    { title: "The product's reports", viewer, section: 'overview' },
    html`<h1>Reports of the product to AppDirect (usage, user sync)</h1>
      ${screen.done && notice(screen.done)}
      <p class="windows">${stateTabs}</p>
      ${table(
        ['Report', 'Kind', 'Account', 'Idempotency key', 'Status', 'Attempts', 'Last error', 'Taken', ''],
        rows,
        'reports',
      )}
      ${rows.length === 0 && html`<p>None.</p>`}`,
  );
}
