/**
 * HTML that is escaped by construction, for the admin page's views.
 *
 * `html` is a tagged template whose every interpolation is escaped for the place it lands in, found from
 * the template's own static text (read once per template, then cached):
 * - element text and quoted attribute values: strings and numbers are escaped; a `SafeHtml` fragment is
 *   inserted as it is in text only;
 * - URL attributes (`href`, `action`, `src`, `formaction`): a value that starts the attribute must be a
 *   `SafeUrl` (from `url` or `externalUrl`: no `javascript:` or other scheme can get in); after a fixed
 *   start (`/admin/events/`, `?`, `#`) a string is percent-encoded as one path segment or query value;
 * - between attributes: only `attrs({...})` (names checked, values escaped, URL attributes from a `SafeUrl`);
 * - anywhere else (unquoted attribute values, comments, `<script>`, `<style>`) nothing may be interpolated.
 * A template breaking these rules throws when it is rendered, whatever the data: every view's unit test
 * finds it. `SafeHtml` and `SafeUrl` can only be made here, so a plain string never reaches the page
 * unescaped; `constantHtml` takes a template without interpolations (CSS, fixed markup).
 */

/** Made only in this module: nothing else can mint a SafeHtml or a SafeUrl. */
const MINT: unique symbol = Symbol('admin-html');

/** Markup that is safe to send: built by `html` (or a constant), never from an unchecked string. */
export class SafeHtml {
  readonly #text: string;
  constructor(mint: typeof MINT, text: string) {
    if (mint !== MINT) throw new TypeError('SafeHtml is made by html`...`, not by hand');
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** A URL that may go into a link: a path of this site, or an http(s) address. */
export class SafeUrl {
  readonly #text: string;
  constructor(mint: typeof MINT, text: string) {
    if (mint !== MINT) throw new TypeError('SafeUrl is made by url`...` or externalUrl(), not by hand');
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** Attributes for a place between attributes (`<option ${attrs({ selected: true })}>`): made by `attrs`. */
export class SafeAttributes {
  readonly #text: string;
  constructor(mint: typeof MINT, text: string) {
    if (mint !== MINT) throw new TypeError('SafeAttributes are made by attrs(), not by hand');
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** What a template may interpolate: nothing is rendered for null, undefined and false. */
export type Interpolation =
  SafeHtml | SafeUrl | SafeAttributes | string | number | null | undefined | false | readonly Interpolation[];

type Slot =
  | { readonly kind: 'text' }
  | { readonly kind: 'attribute'; readonly name: string }
  | { readonly kind: 'url-start'; readonly name: string }
  | { readonly kind: 'url-part'; readonly name: string }
  | { readonly kind: 'between-attributes' }
  | { readonly kind: 'forbidden'; readonly where: string };

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);
const RAW_TEXT_ELEMENTS = new Set(['script', 'style']);
/** A URL whose scheme and host the template fixes: a path of this site, a query or a fragment of this page. */
const FIXED_URL_START = /^(?:\/(?!\/)|\?|#)/;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeText = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type TokenizerState =
  | { at: 'text' }
  | { at: 'raw-text'; element: string }
  | { at: 'comment' }
  | { at: 'tag'; element: string; name: string; afterEquals: boolean }
  | { at: 'value'; element: string; name: string; quote: string; start: string; slots: number };

/** The slot an interpolation fills when the tokenizer is in `state`. */
function slotAt(state: TokenizerState): Slot {
  switch (state.at) {
    case 'text':
      return { kind: 'text' };
    case 'tag':
      return state.afterEquals ? { kind: 'forbidden', where: 'an unquoted value' } : { kind: 'between-attributes' };
    case 'value': {
      if (!URL_ATTRIBUTES.has(state.name)) return { kind: 'attribute', name: state.name };
      if (state.start === '' && state.slots === 0) return { kind: 'url-start', name: state.name };
      if (state.start !== '' && !FIXED_URL_START.test(state.start))
        return {
          kind: 'forbidden',
          where: `${state.name}="${state.start}…" (not a path, query or fragment of this site)`,
        };
      return { kind: 'url-part', name: state.name };
    }
    default:
      return { kind: 'forbidden', where: state.at === 'comment' ? 'a comment' : `<${state.element}>` };
  }
}

/**
 * Where each interpolation of a template lands, read from the static parts with a small HTML tokenizer
 * (text, tags, attribute names, quoted values, comments, raw-text elements). Throws for a template that
 * ends inside a tag, an attribute or a comment, or that has a quote or value where HTML has none.
 */
function slotsOf(strings: readonly string[]): Slot[] {
  const template = strings.join('${…}');
  let state: TokenizerState = { at: 'text' };
  const slots: Slot[] = [];
  strings.forEach((part, index) => {
    let i = 0;
    while (i < part.length) {
      const c = part[i]!;
      if (state.at === 'text') {
        const tag = /^<\/?([a-zA-Z][a-zA-Z0-9:-]*)|^<!--|^<!/.exec(part.slice(i, i + 40));
        if (tag?.[0] === '<!--') state = { at: 'comment' };
        else if (tag) {
          const element = tag[0].startsWith('</') ? '' : (tag[1] ?? '').toLowerCase();
          state = { at: 'tag', element, name: '', afterEquals: false };
        }
        i += tag ? tag[0].length : 1;
      } else if (state.at === 'comment') {
        const end = part.startsWith('-->', i);
        if (end) state = { at: 'text' };
        i += end ? 3 : 1;
      } else if (state.at === 'raw-text') {
        const close = `</${state.element}`;
        const end = part.slice(i, i + close.length).toLowerCase() === close;
        if (end) state = { at: 'tag', element: '', name: '', afterEquals: false };
        i += end ? close.length : 1;
      } else if (state.at === 'value') {
        if (c === state.quote) state = { at: 'tag', element: state.element, name: '', afterEquals: false };
        else if (state.slots === 0) state.start += c;
        i += 1;
      } else if (c === '>') {
        state = RAW_TEXT_ELEMENTS.has(state.element) ? { at: 'raw-text', element: state.element } : { at: 'text' };
        i += 1;
      } else if (c === '=') {
        state.afterEquals = true;
        i += 1;
      } else if (c === '"' || c === "'") {
        if (!state.afterEquals) throw new TypeError(`a quote outside an attribute value in: ${template}`);
        state = { at: 'value', element: state.element, name: state.name, quote: c, start: '', slots: 0 };
        i += 1;
      } else if (/[\s/]/.test(c)) i += 1;
      else {
        if (state.afterEquals) throw new TypeError(`an unquoted attribute value in: ${template}`);
        const name = /^[^\s"'>/=]+/.exec(part.slice(i))![0];
        state.name = name.toLowerCase();
        i += name.length;
      }
    }
    if (index === strings.length - 1) {
      if (state.at !== 'text') throw new TypeError(`a template ends inside a ${state.at}: ${template}`);
      return;
    }
    slots.push(slotAt(state));
    if (state.at === 'value') state.slots += 1;
  });
  return slots;
}

const templates = new WeakMap<TemplateStringsArray, Slot[]>();

function render(value: Interpolation, slot: Slot): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) {
    if (slot.kind !== 'text') throw new TypeError('a list is only rendered as element content');
    return (value as readonly Interpolation[]).map((item) => render(item, slot)).join('');
  }
  if (value instanceof SafeAttributes && slot.kind !== 'between-attributes')
    throw new TypeError('attributes outside a tag');
  switch (slot.kind) {
    case 'text':
      return value instanceof SafeHtml ? value.toString() : escapeText(String(value));
    case 'attribute':
      if (value instanceof SafeHtml) throw new TypeError(`markup in the attribute ${slot.name}`);
      return escapeText(String(value));
    case 'url-start':
      if (!(value instanceof SafeUrl))
        throw new TypeError(`the attribute ${slot.name} starts with a string: make it with url\`…\` or externalUrl()`);
      return escapeText(value.toString());
    case 'url-part':
      if (value instanceof SafeHtml || value instanceof SafeUrl) throw new TypeError(`markup inside ${slot.name}`);
      return escapeText(encodeURIComponent(String(value)));
    case 'between-attributes':
      if (value === '') return '';
      if (!(value instanceof SafeAttributes)) throw new TypeError('text between attributes: use attrs({...})');
      return value.toString();
    case 'forbidden':
      throw new TypeError(`nothing may be interpolated in ${slot.where}`);
  }
}

/** Markup from a template; every interpolation escaped for where it lands (see the module's comment). */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): SafeHtml {
  let slots = templates.get(strings);
  if (!slots) {
    slots = slotsOf(strings);
    templates.set(strings, slots);
  }
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value, slots[i]!) + strings[i + 1]!;
  });
  return new SafeHtml(MINT, out);
}

/** Fixed markup (a style sheet, an SVG pattern): a template that takes no interpolation. */
export function constantHtml(strings: TemplateStringsArray): SafeHtml {
  if (strings.length !== 1) throw new TypeError('constantHtml takes no interpolation');
  return new SafeHtml(MINT, strings[0]!);
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Attributes from a record: `true` writes the bare name, `false`, null and undefined leave it out, other
 * values are escaped; a URL attribute takes a `SafeUrl` only. Names are checked (no `on…` handlers).
 */
export function attrs(
  record: Readonly<Record<string, string | number | boolean | SafeUrl | null | undefined>>,
): SafeAttributes {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!ATTRIBUTE_NAME.test(name) || name.startsWith('on')) throw new TypeError(`not an attribute name: ${name}`);
    if (value === false || value === null || value === undefined) continue;
    if (URL_ATTRIBUTES.has(name) !== value instanceof SafeUrl)
      throw new TypeError(`the attribute ${name} takes ${URL_ATTRIBUTES.has(name) ? 'a SafeUrl' : 'no SafeUrl'}`);
    parts.push(value === true ? name : `${name}="${escapeText(String(value))}"`);
  }
  return new SafeAttributes(MINT, parts.join(' '));
}

/** Fragments one after another. */
export const join = (parts: readonly SafeHtml[]): SafeHtml => new SafeHtml(MINT, parts.join(''));

/**
 * A link to a path of this site: the template fixes the path (it must start with `/`, `?` or `#`); each
 * interpolation is percent-encoded as one path segment or query value.
 */
export function url(strings: TemplateStringsArray, ...values: readonly (string | number)[]): SafeUrl {
  if (!FIXED_URL_START.test(strings[0] ?? '')) throw new TypeError(`url\`${strings[0]}…\` is not a path of this site`);
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + strings[i + 1]!;
  });
  return new SafeUrl(MINT, out);
}

/** An address elsewhere, when it is an absolute http(s) URL; null for anything else (javascript:, data:, …). */
export function externalUrl(text: string): SafeUrl | null {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return null;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? new SafeUrl(MINT, parsed.href) : null;
}
