/**
 * Issue #23.19: every search and filter input of the admin (API and page) is matched literally, whatever it
 * holds. Prisma's `contains` hands LIKE's special characters to PostgreSQL unescaped (prisma#19506): a lone
 * `\` was an invalid pattern (500) and `%` or `_` matched anything.
 */
import { orderEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';

const TOKEN = 'search-test-token-0123456789abcdef012345';

describe('admin search and filters match literally', () => {
  let s: Scenario;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = async (path: string) => {
    const res = await fetch(`${s.serviceUrl}/admin/api${path}`, {
      headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const found = async (search: string) => {
    const res = await api(`/accounts?search=${encodeURIComponent(search)}`);
    expect({ search, status: res.status }).toEqual({ search, status: 200 });
    return (res.body.items as Array<{ companyName: string }>).map((item) => item.companyName).sort();
  };
  /** The page's account search: the company names in its result table. */
  const pageFound = async (cookie: string, search: string) => {
    const res = await fetch(`${s.serviceUrl}/admin/accounts?search=${encodeURIComponent(search)}`, {
      headers: { cookie },
    });
    expect({ search, status: res.status }).toEqual({ search, status: 200 });
    const html = await res.text();
    return [...html.matchAll(/<td><a href="\/admin\/accounts\/[^"]*">[^<]*<\/a><\/td>\s*<td>([^<]*)<\/td>/g)]
      .map((m) => m[1]!)
      .sort();
  };

  const NAMES = ['100% Pure Co', 'Under_score Ltd', 'Back\\slash Inc', `O'Brien "Quoted" Ltd`, 'Plain Company'];

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
    for (const [i, name] of NAMES.entries()) {
      const email = i === 1 ? 'pat_o@under.example' : i === 4 ? 'patxo@under.example' : undefined;
      const { accountIdentifier } = await s.send(orderEvent({ seats: 2, creator: person(email ? { email } : {}) }));
      await s.subject.db.prisma.account.update({ where: { id: accountIdentifier! }, data: { companyName: name } });
    }
  });
  afterAll(() => s.close());

  it.each([
    ['\\', ['Back\\slash Inc']],
    ['%', ['100% Pure Co']],
    ['_', ['Under_score Ltd']],
    ['0% P', ['100% Pure Co']],
    ['%Pure', []],
    ['Under_', ['Under_score Ltd']],
    ['o_e', []], // no literal "o_e"; as a pattern it matched "ore" in Under_score
    ['k\\s', ['Back\\slash Inc']],
    ["'", [`O'Brien "Quoted" Ltd`]],
    ['"Quoted"', [`O'Brien "Quoted" Ltd`]],
    ['\\%', []],
  ])('accounts?search=%s finds only the names holding it', async (search, names) => {
    expect(await found(search)).toEqual(names);
  });

  it('compares an e-mail as it is written (an underscore is not a wildcard)', async () => {
    expect(await found('pat_o@under.example')).toEqual(['Under_score Ltd']);
    expect(await found('PAT_O@UNDER.EXAMPLE')).toEqual(['Under_score Ltd']); // e-mails ignore case
    expect(await found('pat%@under.example')).toEqual([]);
  });

  it('refuses a NUL by name rather than matching anything', async () => {
    const res = await api('/accounts?search=a%00b');
    expect(res).toMatchObject({ status: 400, body: { code: 'PARAMETER_INVALID' } });
    expect(res.body.message).toContain("'search'");
  });

  it.each(['\\', '%', '_', "'", '"'])('event filters take %s as itself', async (text) => {
    for (const name of ['accountIdentifier', 'companyUuid', 'errorCode', 'type']) {
      const res = await api(`/events?${name}=${encodeURIComponent(text)}`);
      expect({ name, status: res.status, items: res.body.items }).toEqual({ name, status: 200, items: [] });
    }
  });

  it('the page searches and filters literally too, and says when a filter cannot match', async () => {
    const login = await fetch(`${s.serviceUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(await pageFound(cookie, '%')).toEqual(['100% Pure Co']);
    expect(await pageFound(cookie, '\\')).toEqual(['Back\\slash Inc']);
    expect(await pageFound(cookie, '_')).toEqual(['Under_score Ltd']);

    for (const query of ['accountIdentifier=%25', 'accountIdentifier=%5C', 'type=_']) {
      const html = await (await fetch(`${s.serviceUrl}/admin/events?${query}`, { headers: { cookie } })).text();
      expect({ query, rows: html.match(/<tr data-token=/g)?.length ?? 0 }).toEqual({ query, rows: 0 });
    }
    // A filter no event can hold (NUL) matches nothing, and the page says why; it is not dropped.
    const nul = await fetch(`${s.serviceUrl}/admin/events?accountIdentifier=a%00b`, { headers: { cookie } });
    const html = await nul.text();
    expect(html.match(/<tr data-token=/g)?.length ?? 0).toBe(0);
    expect(html).toContain('contains a NUL character');
  });
});
