/**
 * Checks of rendered admin pages for the view tests: hostile text given to every slot of a view must come
 * out as text (escaped where it is shown), never as markup, an event handler or a link elsewhere.
 */

/** A value for the slot `name` that is markup, breaks out of either quote, and holds an ampersand. */
export const hostile = (name: string): string => `<img src=x onerror=alert('${name}')>"&`;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** How `text` reads in the page's source once escaped. */
export const escaped = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The elements the admin views write; anything else in a page came from data. */
const ELEMENTS = new Set(
  (
    'html head meta title link style body header main strong a span form input button h1 h2 h3 p dl dt dd table ' +
    'thead tbody tr th td code pre ul li em label select option br section div details summary figure figcaption ' +
    'svg defs pattern rect path circle line text g'
  ).split(' '),
);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);
const decode = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!,
  );

export interface Link {
  readonly element: string;
  readonly attribute: string;
  readonly url: string;
}

/**
 * Every tag of `page` with its attributes; throws when the page has an element the views do not write,
 * an event-handler attribute, an unquoted or broken attribute, or a URL that leaves this site other than
 * by http(s). Returns the page's links.
 */
export function checkPage(page: string): Link[] {
  const links: Link[] = [];
  const withoutStyle = page.replace(/<style>[^<]*<\/style>/g, '<style></style>');
  for (const tag of withoutStyle.matchAll(/<([a-zA-Z][\w:-]*)([^<>]*)>/g)) {
    const element = tag[1]!.toLowerCase();
    if (!ELEMENTS.has(element)) throw new Error(`element <${element}> in the page: ${tag[0]}`);
    const rest = tag[2]!
      .replace(/\s*\/$/, '')
      .replace(/\s([a-zA-Z][\w:-]*)(?:="([^"]*)")?/g, (_, name: string, value: string | undefined) => {
        const attribute = name.toLowerCase();
        if (attribute.startsWith('on')) throw new Error(`event handler ${name} in: ${tag[0]}`);
        if (value !== undefined && URL_ATTRIBUTES.has(attribute)) {
          const url = decode(value);
          if (!/^(?:\/(?!\/)|\?|#|https?:\/\/|data:,$)/.test(url)) throw new Error(`link to ${url} in: ${tag[0]}`);
          links.push({ element, attribute, url });
        }
        return '';
      });
    if (rest.trim() !== '') throw new Error(`not an attribute: '${rest}' in ${tag[0]}`);
  }
  if (/<(?![a-zA-Z/!])/.test(page.replace(/<style>[^<]*<\/style>/g, ''))) throw new Error('a stray < in the page');
  return links;
}
