/**
 * One clock: every timestamp the service stores and shows is the instant it names, whatever time zone the
 * PostgreSQL server, the database or this process runs in. Run against databases whose zone is far from UTC
 * in both directions (and this process in a third zone), where a timestamp written from the session's wall
 * time and read as UTC (or the other way round) is off by hours.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { notify, type NotifyAuth } from '../../tools/fake-marketplace/notify';
import { purgeExpiredNonces } from '../../src/inbox/record';
import { accountEvent, orderEvent, person } from '../support/events';
import { createTestDatabase } from '../support/infra';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

// This process's own zone: no code may read or print local time (+05:45, a zone no database below uses).
process.env.TZ = 'Asia/Kathmandu';

const CONSUMER = { key: 'clock-product', secret: 'clock-secret' };
const ADMIN = 'clock-admin-token-0123456789abcdef0123456789';
const SLACK_MS = 60_000;

/** Every value under `value` that looks like an ISO instant, with its path. */
function instantsIn(value: unknown, path = '$'): Array<{ path: string; at: number }> {
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value))
    return [{ path, at: Date.parse(value) }];
  if (Array.isArray(value)) return value.flatMap((item, index) => instantsIn(item, `${path}[${index}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => instantsIn(item, `${path}.${key}`));
  return [];
}

describe.each(['America/Los_Angeles', 'Pacific/Kiritimati'])('with PostgreSQL in %s', (zone) => {
  let s: Scenario;
  const oauth1: NotifyAuth = { type: 'oauth1', ...CONSUMER };
  const admin = async (path: string) => {
    const res = await fetch(`${s.serviceUrl}/admin/api${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    const database = await createTestDatabase({ timezone: zone });
    s = await startScenario(
      {
        ADMIN_TOKEN: ADMIN,
        APPDIRECT_CONSUMER_KEY: CONSUMER.key,
        APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
      },
      { database, workers: false, marketplace: { consumer: CONSUMER } },
    );
  });
  afterAll(() => s.close());

  it('runs the database sessions of this test in that zone (else it proves nothing)', async () => {
    const client = new pg.Client({ connectionString: s.subject.db.url });
    await client.connect();
    try {
      expect((await client.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]!.TimeZone).toBe(zone);
    } finally {
      await client.end();
    }
  });

  it('shows an event waiting for a worker with the time it arrived and its real age', async () => {
    const { eventUrl, token } = s.marketplace.addEvent(orderEvent());
    expect((await notify(s.serviceUrl, eventUrl, oauth1, { ack: 'early' })).status).toBe(202);
    const detail = await admin(`/events/${token}`);
    for (const name of ['receivedAt', 'queuedAt', 'updatedAt']) {
      const at = Date.parse(String(detail[name]));
      expect({ name, offByMs: Math.abs(at - Date.now()) < SLACK_MS ? 0 : at - Date.now() }).toEqual({
        name,
        offByMs: 0,
      });
    }
    const overview = (await admin('/overview?window=24h')) as {
      oldestWaiting: { token: string; receivedAt: string; ageSeconds: number } | null;
    };
    const oldest = overview.oldestWaiting;
    expect(oldest?.token).toBe(token);
    expect(Math.abs(Date.parse(oldest!.receivedAt) - Date.now())).toBeLessThan(SLACK_MS);
    expect(oldest!.ageSeconds).toBeLessThan(SLACK_MS / 1000);
  });

  it('keeps a nonce through the purge and refuses its replay with 401, whatever timestamp comes with it', async () => {
    const nonce = randomUUID().replace(/-/g, '');
    const timestamp = Math.floor(Date.now() / 1000);
    const first = s.marketplace.addEvent(orderEvent());
    const captured = { ...oauth1, nonce, timestamp };
    expect((await notify(s.serviceUrl, first.eventUrl, captured, { ack: 'early' })).status).toBe(202);
    const seen = await s.subject.db.prisma.oAuthNonce.findUniqueOrThrow({
      where: { consumerKey_nonce: { consumerKey: CONSUMER.key, nonce } },
    });
    expect(Math.abs(seen.seenAt.getTime() - Date.now())).toBeLessThan(SLACK_MS);
    // The API purges nonces older than the timestamp window every minute: a fresh one must survive it.
    await purgeExpiredNonces(s.subject.db.prisma);
    expect(await s.subject.db.prisma.oAuthNonce.count({ where: { consumerKey: CONSUMER.key, nonce } })).toBe(1);
    const replay = await notify(s.serviceUrl, first.eventUrl, captured, { ack: 'early' });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('AUTH_NONCE_REPLAYED');
    const other = s.marketplace.addEvent(orderEvent());
    const reused = await notify(s.serviceUrl, other.eventUrl, captured, { ack: 'early' });
    expect(reused.status).toBe(401);
    expect(await s.subject.db.prisma.event.count({ where: { token: other.token } })).toBe(0);
  });

  it('purges a nonce only once it is older than the window', async () => {
    const nonce = randomUUID();
    await s.subject.db.prisma.oAuthNonce.create({
      data: { consumerKey: CONSUMER.key, nonce, timestamp: 1n, seenAt: new Date(Date.now() - 16 * 60_000) },
    });
    await purgeExpiredNonces(s.subject.db.prisma);
    expect(await s.subject.db.prisma.oAuthNonce.count({ where: { nonce } })).toBe(0);
  });

  it('gives every time of an event, its result, its account and its seats as the instant it happened', async () => {
    s.startWorkers();
    const order = await s.send(orderEvent({ seats: 5 }));
    expect(order.success).toBe(true);
    const account = order.accountIdentifier!;
    const assigned = await s.send(accountEvent('USER_ASSIGNMENT', account, { user: person() }));
    expect(assigned.success).toBe(true);
    await eventually(async () => {
      const delivery = (await admin(`/events/${assigned.token}`)).resultDelivery as { status: string } | null;
      return delivery?.status === 'delivered' ? true : undefined;
    });
    const documents = {
      order: await admin(`/events/${order.token}`),
      assignment: await admin(`/events/${assigned.token}`),
      account: await admin(`/accounts/${account}`),
      events: await admin('/events?limit=50'),
    };
    const instants = instantsIn(documents);
    expect(instants.length).toBeGreaterThan(20);
    const now = Date.now();
    const wrong = instants.filter(({ at }) => at < startedAt - SLACK_MS || at > now + SLACK_MS);
    expect(wrong.map(({ path, at }) => `${path} ${new Date(at).toISOString()}`)).toEqual([]);
    const overview = (await admin('/overview?window=24h')) as { totals: { p50Seconds: number | null } };
    expect(overview.totals.p50Seconds).not.toBeNull();
    expect(overview.totals.p50Seconds!).toBeGreaterThanOrEqual(0);
    expect(overview.totals.p50Seconds!).toBeLessThan(SLACK_MS / 1000);
  });
});
