/** The account search (/admin/accounts): by company name, company uuid, identifier or a user's e-mail. */
import { cells, problem, statusBadge, table } from './components';
import { html, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface AccountRow {
  readonly accountIdentifier: string;
  readonly companyName: string;
  readonly status: string;
  readonly editionCode: string;
  readonly seatsUsed: number;
  readonly maxUsers: number | null;
}

export interface AccountsScreen {
  /** The search as typed (trimmed); empty: no search yet, nothing listed. */
  readonly search: string;
  /** Why the search can match no account (then it was not run), or null. */
  readonly unusable: string | null;
  readonly accounts: readonly AccountRow[];
}

export function accountsView(screen: AccountsScreen, viewer: Viewer): SafeHtml {
  const rows = screen.accounts.map(
    (a) =>
      html`<tr>
        ${cells([
          html`<a href="/admin/accounts/${a.accountIdentifier}">${a.accountIdentifier}</a>`,
          a.companyName,
          statusBadge(a.status),
          a.editionCode,
          `${a.seatsUsed} / ${a.maxUsers ?? '∞'}`,
        ])}
      </tr>`,
  );
  return layout(
    { title: 'Accounts', viewer, section: 'accounts' },
    html`<h1>Accounts</h1>
      ${screen.unusable && problem(`The search ${screen.unusable}: no account can match it.`)}
      <form method="get" action="/admin/accounts">
        <input
          name="search"
          placeholder="company name, company uuid or user e-mail"
          size="40"
          value="${screen.search}"
        />
        <button type="submit">Search</button>
      </form>
      <br />
      ${screen.search !== '' && table(['Account', 'Company', 'Status', 'Edition', 'Seats'], rows)}
      ${screen.search !== '' && !screen.unusable && rows.length === 0 && html`<p>No account matches.</p>`}`,
  );
}
