/** Calls to the product's provisioning hooks not done (/admin/hooks?state=): failing, or all not done. */
import { accountRef, cells, eventLink, table, tabs, timestamp } from './components';
import { html, url, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface OwedCallRow {
  readonly id: string;
  readonly kind: string;
  readonly accountIdentifier: string | null;
  readonly eventToken: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

export interface ProductCallsScreen {
  readonly states: readonly string[];
  readonly state: string;
  readonly calls: readonly OwedCallRow[];
  readonly knownAccounts: ReadonlySet<string>;
}

export function productCallsView(screen: ProductCallsScreen, viewer: Viewer): SafeHtml {
  const stateTabs = tabs(
    screen.states.map((name) => ({
      href: url`/admin/hooks?state=${name}`,
      label: name.replace('_', ' '),
      current: name === screen.state,
    })),
  );
  const rows = screen.calls.map(
    (h) =>
      html`<tr data-id="${h.id}">
        ${cells([
          h.kind,
          accountRef(h.accountIdentifier, screen.knownAccounts),
          eventLink(h.eventToken),
          h.attempts,
          h.lastError,
          timestamp(h.createdAt),
        ])}
      </tr>`,
  );
  return layout(
    { title: 'Provisioning hook calls', viewer, section: 'overview' },
    html`<h1>Calls to the product's provisioning hooks not done</h1>
      <p class="windows">${stateTabs}</p>
      ${table(['Kind', 'Account', 'Event', 'Attempts', 'Last error', 'Owed since'], rows, 'hooks')}
      ${rows.length === 0 && html`<p>None.</p>`}`,
  );
}
