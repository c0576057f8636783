/** The admin page's HTML templates (src/http/admin/views/html.ts): escaped by construction, wherever a value lands. */
import { attrs, constantHtml, externalUrl, html, SafeHtml, SafeUrl, url } from '../../src/http/admin/views/html';

/** `h` under another name: prettier reformats templates tagged `h`, and these compare exact output. */
const h = html;

const HOSTILE = `<script>alert("x")</script>' onmouseover='alert(1)`;

describe('admin html templates', () => {
  it('escapes text, and both quotes in attribute values', () => {
    const out = h`<p title="${HOSTILE}">${HOSTILE}</p><i class='${HOSTILE}'></i>`.toString();
    expect(out).not.toContain('<script>');
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;alert(1)">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;alert(1)</p>' +
        "<i class='&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;alert(1)'></i>",
    );
  });

  it('inserts fragments made by html as they are, lists one after another, and nothing for null, undefined, false', () => {
    const item = (text: string) => h`<li>${text}</li>`;
    expect(h`<ul>${['a<', 'b'].map(item)}${null}${undefined}${false}</ul>`.toString()).toBe(
      '<ul><li>a&lt;</li><li>b</li></ul>',
    );
    expect(h`<b>${0}</b>`.toString()).toBe('<b>0</b>');
  });

  it('cannot be given markup any other way: SafeHtml and SafeUrl are not made by hand', () => {
    const Forged = SafeHtml as unknown as new (mint: symbol, text: string) => SafeHtml;
    expect(() => new Forged(Symbol('admin-html'), '<script>')).toThrow(TypeError);
    const ForgedUrl = SafeUrl as unknown as new (mint: symbol, text: string) => SafeUrl;
    expect(() => new ForgedUrl(Symbol('admin-html'), 'javascript:alert(1)')).toThrow(TypeError);
    const asObject = { toString: () => '<script>' } as unknown as string;
    expect(h`<p>${asObject}</p>`.toString()).toBe('<p>&lt;script&gt;</p>');
  });

  it('takes a URL attribute only from url`` or externalUrl(): a string there is refused', () => {
    const link = (href: SafeUrl | string) => h`<a href="${href}">x</a>`;
    expect(() => link('javascript:alert(1)')).toThrow(/make it with url/);
    expect(() => link('/admin/events')).toThrow(/make it with url/);
    expect(link(url`/admin/events/${'a/b?c#d"e'}`).toString()).toBe('<a href="/admin/events/a%2Fb%3Fc%23d%22e">x</a>');
    expect(() => h`<form action="${'/x'}"></form>`).toThrow(/make it with url/);
  });

  it('percent-encodes a value after a fixed path, query or fragment start', () => {
    const token = `t"><script>&x=1`;
    expect(h`<a href="/admin/events/${token}/rerun">x</a>`.toString()).toBe(
      '<a href="/admin/events/t%22%3E%3Cscript%3E%26x%3D1/rerun">x</a>',
    );
    expect(h`<a href="/admin/events?status=failed&amp;errorCode=${'A&B'}">x</a>`.toString()).toBe(
      '<a href="/admin/events?status=failed&amp;errorCode=A%26B">x</a>',
    );
    expect(() => h`<a href="javascript:${'alert(1)'}">x</a>`).toThrow(/not a path/);
    expect(() => h`<a href="//evil.example/${'x'}">x</a>`).toThrow(/not a path/);
    expect(() => url`//evil.example/${'x'}`).toThrow(/not a path/);
    expect(() => url`javascript:${'x'}`).toThrow(/not a path/);
  });

  it.each([
    ['javascript:alert(1)', null],
    [' JavaScript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['vbscript:x', null],
    ['not a url', null],
    ['/relative/path', null],
    ['https://marketplace.example/path?a=1&b="2"', 'https://marketplace.example/path?a=1&b=%222%22'],
    ['http://localhost:8080/', 'http://localhost:8080/'],
  ])('externalUrl(%j) is %j', (text, expected) => {
    expect(externalUrl(text)?.toString() ?? null).toBe(expected);
  });

  it('takes only attrs() between attributes, and nothing where HTML cannot escape', () => {
    const option = (selected: boolean, id?: string) => h`<option value="a" ${attrs({ selected, id })}>a</option>`;
    expect(option(true).toString()).toBe('<option value="a" selected>a</option>');
    expect(option(false, `x" onclick="alert(1)`).toString()).toBe(
      '<option value="a" id="x&quot; onclick=&quot;alert(1)">a</option>',
    );
    expect(() => h`<option value="a" ${'onclick=alert(1)'}>a</option>`).toThrow(/between attributes/);
    expect(() => h`<option value="a" ${h`onclick="alert(1)"`}>a</option>`).toThrow(/between attributes/);
    expect(() => attrs({ onclick: 'alert(1)' })).toThrow(/not an attribute name/);
    expect(() => attrs({ 'a b': 'x' })).toThrow(/not an attribute name/);
    expect(() => attrs({ href: 'javascript:alert(1)' })).toThrow(/takes a SafeUrl/);
    expect(h`<a ${attrs({ href: url`/admin/events/${'a b'}` })}>x</a>`.toString()).toBe(
      '<a href="/admin/events/a%20b">x</a>',
    );
    expect(() => h`<p>${attrs({ id: 'x' })}</p>`).toThrow(/outside a tag/);
    expect(() => h`<input value=${'x'} />`).toThrow(/unquoted/);
    expect(() => h`<style>${'x'}</style>`).toThrow(/<style>/);
    expect(() => h`<script>${'x'}</script>`).toThrow(/<script>/);
    expect(() => h`<!-- ${'x'} -->`).toThrow(/comment/);
    expect(() => h`<p title="${h`<b></b>`}"></p>`).toThrow(/markup in the attribute/);
    expect(() => h`<a href="/x">${'a'}<b`).toThrow(/ends inside/);
    expect(() => h`<p title="${['a']}"></p>`).toThrow(/list/);
  });

  it('goes back to text after a raw-text element or a comment ends', () => {
    expect(h`<style>a > b { color: red }</style><p>${'<'}</p>`.toString()).toBe(
      '<style>a > b { color: red }</style><p>&lt;</p>',
    );
    expect(h`<!-- a <b> --><p>${'<'}</p>`.toString()).toBe('<!-- a <b> --><p>&lt;</p>');
    expect(constantHtml`<style>.a { content: "'" }</style>`.toString()).toBe(`<style>.a { content: "'" }</style>`);
  });
});
