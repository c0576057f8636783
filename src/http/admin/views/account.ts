/** One account (/admin/accounts/<accountIdentifier>): seats, users, add-ons, its latest events. */
import { cells, details, eventLink, statusBadge, table, timestamp } from './components';
import { externalUrl, html, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface AccountView {
  readonly accountIdentifier: string;
  readonly status: string;
  readonly provisioningStatus: string;
  readonly editionCode: string;
  readonly pricingDuration: string | null;
  readonly maxUsers: number | null;
  readonly seatsUsed: number;
  readonly company: { readonly uuid: string; readonly name: string };
  readonly marketplaceBaseUrl: string;
  readonly users: ReadonlyArray<{
    readonly uuid: string;
    readonly email: string;
    readonly name: string | null;
    readonly role: string;
    readonly assignedAt: Date;
  }>;
  readonly addons: ReadonlyArray<{ readonly id: string; readonly offeringCode: string; readonly status: string }>;
  readonly events: ReadonlyArray<{
    readonly token: string;
    readonly type: string | null;
    readonly status: string;
    readonly errorCode: string | null;
    readonly receivedAt: Date;
  }>;
  readonly restrictionAnswers: ReadonlyArray<{
    readonly at: Date;
    readonly operation: string;
    readonly restrictions: ReadonlyArray<{ readonly details: { readonly code: string; readonly message: string } }>;
    readonly product: string;
    readonly productError: string | null;
  }>;
  readonly migration?: {
    readonly subscriptionIdentifier: string;
    readonly tenantIdentifier: string;
    readonly migratedAt: Date;
  } | null;
}

/** The marketplace the account was bought on: a link when it is an http(s) address, else its text. */
function marketplace(address: string): SafeHtml | string {
  const href = externalUrl(address);
  return href ? html`<a href="${href}" rel="noreferrer">${address}</a>` : address;
}

export function accountView(account: AccountView, viewer: Viewer): SafeHtml {
  const summary = details([
    ['Account', account.accountIdentifier],
    ['Status', html`${statusBadge(account.status)} (provisioning ${account.provisioningStatus})`],
    ['Edition', `${account.editionCode} · ${account.pricingDuration ?? ''}`],
    ['Seats', `${account.seatsUsed} used / ${account.maxUsers ?? 'unlimited'}`, 'seats'],
    ['Company', account.company.uuid],
    ['Marketplace', marketplace(account.marketplaceBaseUrl), 'marketplace'],
    ...(account.migration
      ? ([
          [
            'Migrated',
            html`${timestamp(account.migration.migratedAt)}: subscription ${account.migration.subscriptionIdentifier} of
            customer ${account.migration.tenantIdentifier}`,
            'migrated',
          ],
        ] as const)
      : []),
  ]);
  const users = account.users.map(
    (u) =>
      html`<tr>
        ${cells([u.name, u.email, u.role, u.uuid, timestamp(u.assignedAt)])}
      </tr>`,
  );
  const addons = account.addons.length
    ? html`<ul>
        ${account.addons.map((a) => html`<li>${a.offeringCode} (${a.id}, ${a.status})</li>`)}
      </ul>`
    : html`<p>None.</p>`;
  const events = account.events.map(
    (e) =>
      html`<tr>
        ${cells([timestamp(e.receivedAt), statusBadge(e.status), e.type, e.errorCode, eventLink(e.token)])}
      </tr>`,
  );
  const answers = account.restrictionAnswers.map(
    (a) =>
      html`<tr>
        ${cells([
          timestamp(a.at),
          a.operation,
          a.restrictions.length === 0
            ? 'allowed'
            : a.restrictions.map((r) => `${r.details.code}: ${r.details.message}`).join('; '),
          a.productError ? `${a.product} (${a.productError})` : a.product,
        ])}
      </tr>`,
  );
  return layout(
    { title: account.company.name, viewer, section: 'accounts' },
    html`<h1>${account.company.name}</h1>
      ${summary}
      <h2>Users</h2>
      ${table(['Name', 'E-mail', 'Role', 'AppDirect uuid', 'Assigned'], users)}
      <h2>Add-ons</h2>
      ${addons}
      <h2>Latest events</h2>
      ${table(['Received', 'Status', 'Type', 'Code', 'Token'], events)}
      <h2>Latest restriction answers</h2>
      ${table(['Asked', 'Operation', 'Answer', 'Product'], answers)}`,
  );
}
