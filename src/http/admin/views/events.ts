/** The event list (/admin/events): filters, then events, failed first. */
import { accountRef, cells, eventLink, problem, statusBadge, table, timestamp } from './components';
import { attrs, html, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface EventRow {
  readonly token: string;
  readonly receivedAt: Date;
  readonly status: string;
  readonly type: string | null;
  readonly errorCode: string | null;
  readonly accountIdentifier: string | null;
  readonly companyName: string | null;
  readonly attempts: number;
}

export interface EventsScreen {
  /** The filters as typed, shown back in the form. */
  readonly filter: {
    readonly status?: string;
    readonly type?: string;
    readonly accountIdentifier?: string;
    readonly errorCode?: string;
  };
  /** Filters no event can match, each said (the list is then empty). */
  readonly problems: readonly string[];
  readonly statuses: readonly string[];
  readonly events: readonly EventRow[];
  /** The accounts of `events` that are in the store (linked; the others are text). */
  readonly knownAccounts: ReadonlySet<string>;
}

function filterForm({ filter, statuses }: EventsScreen): SafeHtml {
  const option = (status: string) =>
    html`<option value="${status}" ${attrs({ selected: filter.status === status })}>${status}</option>`;
  const input = (name: keyof EventsScreen['filter'], placeholder: string) =>
    html`<input name="${name}" placeholder="${placeholder}" value="${filter[name] ?? ''}" />`;
  return html`<form method="get" action="/admin/events">
    <select name="status">
      <option value="">any status</option>
      ${statuses.map(option)}
    </select>
    ${input('type', 'type')} ${input('accountIdentifier', 'account')} ${input('errorCode', 'error code')}
    <button type="submit">Filter</button>
  </form>`;
}

export function eventsView(screen: EventsScreen, viewer: Viewer): SafeHtml {
  const rows = screen.events.map(
    (e) =>
      html`<tr data-token="${e.token}">
        ${cells([
          timestamp(e.receivedAt),
          statusBadge(e.status),
          e.type,
          e.errorCode,
          accountRef(e.accountIdentifier, screen.knownAccounts),
          e.companyName,
          e.attempts,
          eventLink(e.token),
        ])}
      </tr>`,
  );
  const head = ['Received', 'Status', 'Type', 'Code', 'Account', 'Company', 'Attempts', 'Token'];
  return layout(
    { title: 'Events', viewer, section: 'events' },
    html`<h1>Events</h1>
      ${screen.problems.map(problem)} ${filterForm(screen)}
      <br />
      ${table(head, rows, 'events')} ${rows.length === 0 && html`<p>No events match.</p>`}`,
  );
}
