/**
 * Issue #23.6: "failed" meant two things. A business answer AppDirect shows its user (MAX_USERS_REACHED,
 * FORBIDDEN…) now finishes `refused`: final, nothing for an operator to do. `failed` is kept for what the
 * service could not do (TRANSPORT_ERROR…): an operator should look. Which code is which is decided once, in
 * the catalogue; the list, the page, the overview and the migration of stored rows all follow it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_ERROR_CODES, FAILURE_CODES, REFUSAL_CODES } from '../../src/errors/catalogue';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'refused-test-token-0123456789abcdef0123';
const MIGRATIONS = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');

describe('refused and failed events', () => {
  let s: Scenario;
  let refusal: { token: string; errorCode?: string };
  let failure: { token: string; errorCode?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${s.serviceUrl}/admin/api${p}`, {
      ...init,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${TOKEN}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const statusOf = async (token: string) =>
    (await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } })).status as string;

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
    const { accountIdentifier } = await s.send(orderEvent({ seats: 1 }));
    refusal = await s.send(assignEvent(accountIdentifier!));
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    failure = await s.send(orderEvent());
  });
  afterAll(() => s.close());

  it('decides in the catalogue whether each event code is a refusal or a failure', () => {
    expect([...FAILURE_CODES].sort()).toEqual([
      'CONFIGURATION_ERROR',
      'INVALID_RESPONSE',
      'PENDING',
      'TRANSPORT_ERROR',
      'UNKNOWN_ERROR',
    ]);
    expect([...FAILURE_CODES, ...REFUSAL_CODES].sort()).toEqual(Object.keys(EVENT_ERROR_CODES).sort());
    for (const entry of Object.values(EVENT_ERROR_CODES)) expect(entry.statusReason.length).toBeGreaterThan(20);
  });

  it('finishes a business answer refused and a failure failed, and lists them apart', async () => {
    expect([refusal.errorCode, failure.errorCode]).toEqual(['MAX_USERS_REACHED', 'TRANSPORT_ERROR']);
    expect(await statusOf(refusal.token)).toBe('refused');
    expect(await statusOf(failure.token)).toBe('failed');
    const tokens = async (status: string) =>
      ((await api(`/events?status=${status}`)).body.items as Array<{ token: string }>).map((item) => item.token);
    expect(await tokens('refused')).toEqual([refusal.token]);
    expect(await tokens('failed')).toEqual([failure.token]);
    expect((await api(`/events/${refusal.token}`)).body).toMatchObject({
      status: 'refused',
      errorCode: 'MAX_USERS_REACHED',
    });
    const openapi = (await (await fetch(`${s.serviceUrl}/admin/api/openapi.json`)).json()) as Json;
    expect(openapi.components.schemas.EventStatus.enum).toEqual(expect.arrayContaining(['refused', 'failed']));
  });

  it('counts refusals apart from failures in the overview; only failures need action', async () => {
    const overview = (await api('/overview')).body;
    expect(overview.statusCounts.finishedInWindow).toEqual({ succeeded: 1, refused: 1, failed: 1, cancelled: 0 });
    expect(overview.totals.refused).toEqual({ MAX_USERS_REACHED: 1 });
    expect(overview.totals.failed).toEqual({ TRANSPORT_ERROR: 1 });
    expect(overview.totals.business).toBeUndefined();
    expect(overview.needsAction.failedEvents).toEqual({ total: 1, byCode: { TRANSPORT_ERROR: 1 } });
  });

  it('shows them apart on the page: their own badge, their own counter', async () => {
    const login = await fetch(`${s.serviceUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = async (p: string) => (await fetch(`${s.serviceUrl}${p}`, { headers: { cookie } })).text();
    const list = await page('/admin/events');
    const row = (token: string) => list.slice(list.indexOf(`data-token="${token}"`)).split('</tr>')[0]!;
    expect(row(refusal.token)).toContain('<span class="status refused">refused</span>');
    expect(row(failure.token)).toContain('<span class="status failed">failed</span>');
    const style = (status: string) => new RegExp(`\\.status\\.${status} \\{([^}]*)\\}`).exec(list)?.[1];
    expect(style('refused')).toBeDefined();
    expect(style('refused')).not.toEqual(style('failed'));
    expect(list).toContain('<option value="refused"');
    const overview = await page('/admin');
    expect(overview).toMatch(/<strong>1<\/strong><span>refused \(24h\)<\/span>/);
    expect(overview).toMatch(/<strong>1<\/strong><span>failed \(24h\)<\/span>/);
    expect(overview).not.toContain('failed with MAX_USERS_REACHED');
  });

  it('runs a refused event again only with force once AppDirect has its answer', async () => {
    await eventually(async () => s.marketplace.resultsFor(refusal.token).length > 0);
    const refused = await api(`/events/${refusal.token}/retry`, { method: 'POST' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'EVENT_RETRY_NEEDS_FORCE' } });
    expect(await statusOf(refusal.token)).toBe('refused');
  });

  it('migrates stored failed events whose code is a refusal to refused, and only those', async () => {
    const folder = readdirSync(MIGRATIONS).find((name) => name.endsWith('_refusals_are_refused'));
    expect(folder).toBeDefined();
    const sql = readFileSync(path.join(MIGRATIONS, folder!, 'migration.sql'), 'utf8');
    // The migration lists the codes as they are classified today; a code reclassified later needs a migration.
    expect([...sql.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort()).toEqual([...REFUSAL_CODES].sort());

    const prisma = s.subject.db.prisma;
    const stored = [
      ['MAX_USERS_REACHED', 'failed', 'refused'],
      ['FORBIDDEN', 'failed', 'refused'],
      ['ACCOUNT_NOT_FOUND', 'failed', 'refused'],
      ['TRANSPORT_ERROR', 'failed', 'failed'],
      ['PENDING', 'failed', 'failed'],
      ['CONFIGURATION_ERROR', 'failed', 'failed'],
      [null, 'failed', 'failed'],
      ['OPERATION_CANCELLED', 'cancelled', 'cancelled'],
    ] as const;
    const tokens = stored.map((_, i) => `migrated-${i}-${Date.now()}`);
    await prisma.event.createMany({
      data: stored.map(([errorCode, status], i) => ({
        token: tokens[i]!,
        eventUrl: `${s.marketplace.origin}/api/integration/v1/events/${tokens[i]}`,
        marketplaceBaseUrl: s.marketplace.origin,
        status,
        errorCode,
        finishedAt: new Date(),
      })),
    });
    await prisma.$executeRawUnsafe(sql);
    const after = await prisma.event.findMany({
      where: { token: { in: tokens } },
      select: { token: true, status: true },
    });
    const byToken = new Map(after.map((row) => [row.token, row.status as string]));
    expect(tokens.map((token) => byToken.get(token))).toEqual(stored.map(([, , expected]) => expected));
  });
});
