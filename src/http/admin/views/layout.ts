/** The document every admin screen is rendered in: head, style sheet, header with the navigation. */
import { attrs, html, url, type SafeHtml, type SafeUrl } from './html';
import { STYLE } from './style';

/** Who is looking at the page: the admin token's name and the session's CSRF token for its forms. */
export interface Viewer {
  readonly user: string;
  readonly csrf: string;
}

/** The header's sections; the current one is marked in the navigation. */
export type Section = 'overview' | 'events' | 'accounts';

export interface PageOptions {
  readonly title: string;
  /** Absent on the pages shown without a session (login, refusals): no navigation then. */
  readonly viewer?: Viewer;
  readonly section?: Section;
}

const NAVIGATION: ReadonlyArray<{ section: Section | 'queues'; label: string; href: SafeUrl }> = [
  { section: 'overview', label: 'Overview', href: url`/admin` },
  { section: 'events', label: 'Events', href: url`/admin/events` },
  { section: 'accounts', label: 'Accounts', href: url`/admin/accounts` },
  { section: 'queues', label: 'Queues', href: url`/admin/queues/` },
];

function header(viewer: Viewer | undefined, section: Section | undefined): SafeHtml {
  if (!viewer) return html`<header><strong>appdirect-provisioner</strong></header>`;
  const links = NAVIGATION.map(
    (item) =>
      html`<a ${attrs({ href: item.href, 'aria-current': item.section === section && 'page' })}>${item.label}</a>`,
  );
  return html`<header>
    <strong>appdirect-provisioner</strong>${links}
    <span style="margin-left:auto">${viewer.user}</span>
    <form class="inline" method="post" action="/admin/logout">
      <input type="hidden" name="_csrf" value="${viewer.csrf}" /><button class="secondary" type="submit">
        Log out
      </button>
    </form>
  </header>`;
}

/** A whole admin page around `body`. */
export function layout(options: PageOptions, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${options.title} · appdirect-provisioner</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        ${STYLE}
      </head>
      <body>
        ${header(options.viewer, options.section)}
        <main>${body}</main>
      </body>
    </html>`;
}
