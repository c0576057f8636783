/** Small pieces the admin screens share: badges, times, tables, forms, messages, tabs. */
import { attrs, html, type Interpolation, type SafeHtml, type SafeUrl } from './html';

/** A status as a coloured badge (its class names the colour; the word is always there too). */
export const statusBadge = (status: string): SafeHtml => html`<span class="status ${status}">${status}</span>`;

/** An instant as `2026-12-07 10:30:00` (UTC), or nothing. */
export const timestamp = (date: Date | string | null | undefined): string =>
  date ? new Date(date).toISOString().replace('T', ' ').slice(0, 19) : '';

/** An account identifier: a link to its page when the account is in the store, else the text and why. */
export const accountRef = (accountIdentifier: string | null, known: ReadonlySet<string>): SafeHtml | null =>
  accountIdentifier === null
    ? null
    : known.has(accountIdentifier)
      ? html`<a href="/admin/accounts/${accountIdentifier}">${accountIdentifier}</a>`
      : html`${accountIdentifier} <span class="muted">(not in the account store)</span>`;

/** An event's token as a link to its page. */
export const eventLink = (token: string): SafeHtml => html`<a href="/admin/events/${token}">${token}</a>`;

/** A row of cells. */
export const cells = (values: readonly Interpolation[]): SafeHtml[] => values.map((value) => html`<td>${value}</td>`);

/** A table with a header row; `rows` are `<tr>` fragments. */
export function table(head: readonly string[], rows: readonly SafeHtml[], id?: string): SafeHtml {
  return html`<table ${attrs({ id })}>
    <thead>
      <tr>
        ${head.map((name) => html`<th>${name}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** Terms and their descriptions; a description's `id` lets tests and scripts find it. */
export function details(entries: ReadonlyArray<readonly [term: string, description: Interpolation, id?: string]>) {
  return html`<dl>
    ${entries.map(
      ([term, description, id]) =>
        html`<dt>${term}</dt>
          <dd ${attrs({ id })}>${description}</dd>`,
    )}
  </dl>`;
}

/** What an action did (blue). */
export const notice = (text: string): SafeHtml => html`<p class="notice">${text}</p>`;
/** What went wrong or cannot be done (red). */
export const problem = (text: string): SafeHtml => html`<p class="error">${text}</p>`;

/**
 * A button that POSTs a form carrying the session's CSRF token (and `fields`): the page's actions work
 * without JavaScript.
 */
export function postButton(options: {
  action: SafeUrl;
  csrf: string;
  label: string;
  id: string;
  fields?: Readonly<Record<string, string>>;
}): SafeHtml {
  const fields = Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  return html`<form class="inline" method="post" action="${options.action}">
    <input type="hidden" name="_csrf" value="${options.csrf}" />${fields}<button type="submit" id="${options.id}">
      ${options.label}
    </button>
  </form>`;
}

/** Links to the variants of one list (states, windows); the current one is marked. */
export function tabs(items: ReadonlyArray<{ href: SafeUrl; label: string; current: boolean }>): SafeHtml[] {
  return items.map(
    (item) => html`<a ${attrs({ href: item.href, 'aria-current': item.current && 'page' })}>${item.label}</a>`,
  );
}

/** A value as JSON on one line (results, answers), or nothing when there is none. */
export const json = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value));
