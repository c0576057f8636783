/** The admin page's HTML: escaping, layout and small building blocks. No build step, no client framework. */

export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Tagged template that escapes every interpolated value except `raw(...)` fragments. */
export class Raw {
  constructor(readonly html: string) {}
}
export const raw = (html: string) => new Raw(html);
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const rendered = Array.isArray(value)
      ? value.map((v) => (v instanceof Raw ? v.html : escapeHtml(v))).join('')
      : value instanceof Raw
        ? value.html
        : escapeHtml(value);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: center; }
  header a { color: #cfd6e4; text-decoration: none; } header strong { color: #fff; }
  main { padding: 20px 24px; max-width: 1200px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { background: #eef0f4; font-weight: 600; }
  .status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e3e6eb; }
  .status.failed { background: #fde2e1; color: #a1150f; } .status.succeeded { background: #dcf5e3; color: #12602c; }
  .status.cancelled { background: #fff1cc; color: #7a5200; }
  .status.refused { background: #ece6f7; color: #4b2a86; }
  form.inline { display: inline; } button { padding: 6px 14px; border: 1px solid #3058d6; background: #3b66f0; color: #fff; border-radius: 4px; cursor: pointer; }
  button.secondary { background: #fff; color: #3058d6; }
  input, select { padding: 5px 8px; border: 1px solid #c4c9d4; border-radius: 4px; }
  pre { background: #fff; border: 1px solid #e3e6eb; padding: 10px; overflow: auto; max-height: 320px; }
  .notice { background: #e7f0ff; border: 1px solid #b5ccff; padding: 8px 12px; margin-bottom: 16px; }
  .error { background: #fde2e1; border: 1px solid #f4b4b0; padding: 8px 12px; margin-bottom: 16px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; border: 1px solid #e3e6eb; }
  dt { color: #5b6476; }
  .muted { color: #5b6476; }
`;

export function page(title: string, body: Raw, options: { user?: string; csrf?: string } = {}): string {
  const nav = options.user
    ? html`<a href="/admin">Overview</a><a href="/admin/events">Events</a><a href="/admin/accounts">Accounts</a
        ><a href="/admin/queues/">Queues</a>
        <span style="margin-left:auto">${options.user}</span>
        <form class="inline" method="post" action="/admin/logout">
          <input type="hidden" name="_csrf" value="${options.csrf ?? ''}" /><button class="secondary" type="submit">
            Log out
          </button>
        </form>`
    : html``;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · appdirect-provisioner</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><header><strong>appdirect-provisioner</strong>${nav.html}</header><main>${body.html}</main></body></html>`;
}

export const statusBadge = (status: string) => html`<span class="status ${status}">${status}</span>`;
export const when = (date: Date | string | null | undefined) =>
  date ? new Date(date).toISOString().replace('T', ' ').slice(0, 19) : '';

/** An account identifier: a link to its page when the account is in the store, else the text and why. */
export const accountRef = (accountIdentifier: string | null, known: ReadonlySet<string>) =>
  accountIdentifier === null
    ? html``
    : known.has(accountIdentifier)
      ? html`<a href="/admin/accounts/${accountIdentifier}">${accountIdentifier}</a>`
      : html`${accountIdentifier} <span class="muted">(not in the account store)</span>`;
