/**
 * Issue #27: usage the product reports is stored before it is answered, and reaches the marketplace's v1
 * billing API once: the same key twice is one report, marketplace 5xx are retried, the account's order is
 * kept, a worker killed with SIGKILL mid-call and a Redis restart lose and double nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningService } from '../../src/runtime/embedded-postgres';
import { startRedisServer } from '../../src/runtime/redis-server';
import type { ProvisioningHooks } from '../../src/hooks';
import { accountEvent, noticeEvent, orderEvent } from '../support/events';
import { testConfig } from '../support/infra';
import { CLIENT, startScenario, type Scenario } from '../support/scenario';
import { eventually, spawnWorkerProcess } from '../support/workers';

const TOKEN = 'usage-test-product-token-0123456789';

const report = (quantity = '12.50', price = '0.8000') => ({
  items: [{ unit: 'HOUR', quantity, price, description: 'Compute hours' }],
  currency: 'USD',
  date: '2026-12-07T23:59:59.000Z',
});

async function reportUsage(
  s: Scenario,
  accountIdentifier: string,
  key: string | undefined,
  body: unknown,
  addonInstanceId?: string,
) {
  const where = addonInstanceId ? `/addons/${addonInstanceId}` : '';
  const response = await fetch(`${s.serviceUrl}/product/api/accounts/${accountIdentifier}${where}/usage`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const newAccount = async (s: Scenario) => (await s.send(orderEvent({ seats: 5 }))).accountIdentifier!;

const reportsOf = (s: Scenario, accountId: string) =>
  s.subject.db.prisma.marketplaceReport.findMany({
    where: { accountId },
    orderBy: { id: 'asc' },
    include: { attemptHistory: { orderBy: { id: 'asc' } } },
  });

const settled = (s: Scenario, accountId: string, count: number) =>
  eventually(async () => {
    const reports = await reportsOf(s, accountId);
    return reports.length === count && reports.every((r) => r.status !== 'pending') ? reports : null;
  }, 30_000);

describe('usage reports (v1 billing API)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ PRODUCT_API_TOKENS: TOKEN, RESULT_BACKOFF_MS: '20' });
  });
  afterAll(() => s.close());

  it('stores a report before answering and delivers it once, signed, in the SDK shape with the decimals as written', async () => {
    const account = await newAccount(s);
    const answer = await reportUsage(s, account, 'first-report', report('12.50', '0.8000'));
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      idempotencyKey: 'first-report',
      accountIdentifier: account,
      addonInstanceId: null,
    });
    const [stored] = await settled(s, account, 1);
    expect(stored!.status).toBe('delivered');
    const [billed] = s.marketplace.usageOf(account);
    // The digits the product sent, as JSON number literals: never through a binary float.
    expect(billed!.text).toContain('"quantity":12.50,"price":0.8000');
    expect(billed!.body).toEqual({
      account: { accountIdentifier: account },
      items: [{ unit: 'HOUR', quantity: 12.5, price: 0.8, description: 'Compute hours' }],
      currency: 'USD',
      date: Date.parse('2026-12-07T23:59:59.000Z'),
    });
    expect(s.marketplace.usageOf(account)).toHaveLength(1);
  });

  it('answers the same key and report as the first time and delivers it once; refuses the key with another report', async () => {
    const account = await newAccount(s);
    const first = await reportUsage(s, account, 'twice', report());
    const again = await reportUsage(s, account, 'twice', report());
    expect(again).toEqual({ ...first, replayed: 'true' });
    const other = await reportUsage(s, account, 'twice', report('13'));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await settled(s, account, 1);
    // Once delivered, the same report sent again is still answered as the first time, and not sent again.
    expect(await reportUsage(s, account, 'twice', report())).toEqual({ ...first, replayed: 'true' });
    expect(s.marketplace.usageOf(account)).toHaveLength(1);
    expect(await s.subject.db.prisma.marketplaceReport.count({ where: { idempotencyKey: 'twice' } })).toBe(1);
  });

  it('refuses reports for unknown, cancelled or add-on-less targets, floats and a missing key, storing nothing', async () => {
    const account = await newAccount(s);
    const unknown = await reportUsage(s, 'no-such-account', 'k-unknown', report());
    expect([unknown.status, unknown.body.code]).toEqual([404, 'PRODUCT_ACCOUNT_NOT_FOUND']);
    const addon = await reportUsage(s, account, 'k-addon', report(), 'no-such-addon');
    expect([addon.status, addon.body.code]).toEqual([404, 'PRODUCT_ADDON_NOT_FOUND']);
    const float = await reportUsage(s, account, 'k-float', { ...report(), items: [{ unit: 'HOUR', quantity: 0.1 }] });
    expect([float.status, float.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    const exponent = await reportUsage(s, account, 'k-exp', report('1e3'));
    expect(exponent.status).toBe(422);
    const keyless = await reportUsage(s, account, undefined, report());
    expect([keyless.status, keyless.body.code]).toEqual([400, 'PARAMETER_MISSING']);

    expect((await s.send(accountEvent('SUBSCRIPTION_CANCEL', account))).success).toBe(true);
    const cancelled = await reportUsage(s, account, 'k-cancelled', report());
    expect([cancelled.status, cancelled.body.code]).toEqual([409, 'PRODUCT_ACCOUNT_NOT_LIVE']);
    expect(await reportsOf(s, account)).toEqual([]);
  });

  it('retries through marketplace 503s and 429s, recording every attempt, and bills once', async () => {
    const account = await newAccount(s);
    s.marketplace.usageFaults.push({ status: 503, times: 2, accountIdentifier: account });
    s.marketplace.usageFaults.push({ status: 429, times: 1, accountIdentifier: account });
    expect((await reportUsage(s, account, 'through-503', report())).status).toBe(202);
    const [stored] = await settled(s, account, 1);
    expect(stored!.status).toBe('delivered');
    expect(stored!.attemptHistory.map((a) => [a.target, a.httpStatus])).toEqual([
      ['billing_v1', 503],
      ['billing_v1', 503],
      ['billing_v1', 429],
      ['billing_v1', 200],
    ]);
    expect(s.marketplace.usageOf(account)).toHaveLength(1);
  });

  it("keeps an account's order: a later report waits for an earlier one the marketplace is refusing with 503", async () => {
    const account = await newAccount(s);
    s.marketplace.usageFaults.push({ status: 503, times: 4, accountIdentifier: account });
    for (const n of ['1', '2', '3']) expect((await reportUsage(s, account, `order-${n}`, report(n))).status).toBe(202);
    await settled(s, account, 3);
    expect(
      s.marketplace.usageOf(account).map((u) => (u.body.items as Array<{ quantity: number }>)[0]!.quantity),
    ).toEqual([1, 2, 3]);
  });

  it('marks a report the marketplace refuses with a 4xx failed at once, and goes on with the next', async () => {
    const account = await newAccount(s);
    s.marketplace.usageFaults.push({ status: 400, times: 1, accountIdentifier: account });
    await reportUsage(s, account, 'refused-1', report('1'));
    await reportUsage(s, account, 'refused-2', report('2'));
    const [refused, next] = await settled(s, account, 2);
    expect([refused!.status, refused!.attempts, refused!.lastError]).toEqual([
      'failed',
      1,
      expect.stringContaining('400'),
    ]);
    expect(next!.status).toBe('delivered');
    expect(s.marketplace.usageOf(account)).toHaveLength(1);
  });
});

describe('usage reports across a worker killed with SIGKILL', () => {
  let s: Scenario;
  const processes: Array<ReturnType<typeof spawnWorkerProcess>> = [];
  const spawnWorker = () => {
    const worker = spawnWorkerProcess({
      DATABASE_URL: s.subject.db.url,
      REDIS_URL: process.env.TEST_REDIS_URL,
      QUEUE_PREFIX: s.subject.prefix,
      APPDIRECT_CLIENT_ID: CLIENT.id,
      APPDIRECT_CLIENT_SECRET: CLIENT.secret,
      APPDIRECT_MARKETPLACE_URLS: s.marketplace.origin,
      JOB_LOCK_MS: '2000',
      RESULT_BACKOFF_MS: '50',
      METRICS_PORT: '0',
    });
    processes.push(worker);
    return worker;
  };
  beforeAll(async () => {
    s = await startScenario({ PRODUCT_API_TOKENS: TOKEN }, { workers: false });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await s.close();
  });

  it('delivers once a report whose worker was killed while its billing call hung', async () => {
    const victim = spawnWorker();
    const accountId = await newAccount(s);
    s.marketplace.usageFaults.push({ hang: true, times: 1, accountIdentifier: accountId });
    expect((await reportUsage(s, accountId, 'killed-mid-call', report())).status).toBe(202);
    // The call is in flight (the marketplace holds it) when the worker dies.
    await eventually(async () => s.marketplace.usageFaults[0]!.times === 0, 20_000);
    victim.child.kill('SIGKILL');
    spawnWorker();
    const [stored] = await settled(s, accountId, 1);
    expect(stored!.status).toBe('delivered');
    expect(s.marketplace.usageOf(accountId)).toHaveLength(1);
  }, 60_000);
});

describe('usage reports across a Redis restart', () => {
  let dir: string;
  let redis: RunningService;
  let s: Scenario;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'adp-usage-redis-'));
    redis = await startRedisServer(dir, { persistent: true });
    s = await startScenario({ REDIS_URL: redis.url, PRODUCT_API_TOKENS: TOKEN }, { sweepEveryMs: 200 });
  });
  afterAll(async () => {
    await s.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes reports while Redis is down (stored, answered 202) and delivers each once when it is back', async () => {
    const account = await newAccount(s);
    const port = Number(new URL(redis.url).port);
    await redis.stop();
    const answers = await Promise.all(['a', 'b', 'c'].map((key) => reportUsage(s, account, `redis-${key}`, report())));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(await s.subject.db.prisma.marketplaceReport.count({ where: { accountId: account } })).toBe(3);
    redis = await startRedisServer(dir, { persistent: true, port });
    const reports = await settled(s, account, 3);
    expect(reports.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(s.marketplace.usageOf(account)).toHaveLength(3);
  }, 60_000);
});

describe('usage reported on an upcoming invoice (in-process product module)', () => {
  let s: Scenario;
  const seen: string[] = [];
  const hooks: ProvisioningHooks = {
    async upcomingInvoice(call, context) {
      seen.push(call.data.accountIdentifier);
      // The product's own key per invoice: the call made again reports once.
      await context.reportUsage!({
        accountIdentifier: call.data.accountIdentifier,
        idempotencyKey: `invoice-${call.eventToken}`,
        report: report('7.25', '3.00'),
      });
    },
  };
  beforeAll(async () => {
    s = await startScenario({ PRODUCT_API_TOKENS: TOKEN }, { hooks });
  });
  afterAll(() => s.close());

  it('answers the notice at once, tells the product, and bills the usage the product reports, once', async () => {
    const account = await newAccount(s);
    const notice = await s.send(noticeEvent(account, 'UPCOMING_INVOICE'));
    expect(notice).toMatchObject({ success: true, message: 'Upcoming invoice noted.' });
    const [stored] = await settled(s, account, 1);
    expect(stored).toMatchObject({ status: 'delivered', idempotencyKey: `invoice-${notice.token}` });
    expect(seen).toEqual([account]);
    expect(s.marketplace.usageOf(account).map((u) => u.text)).toEqual([
      expect.stringContaining('"quantity":7.25,"price":3.00'),
    ]);
    const call = await s.subject.db.prisma.hookCall.findFirstOrThrow({
      where: { eventToken: notice.token, kind: 'upcomingInvoice' },
    });
    expect(call.done).toBe(true);
  });

  it('refuses to let the product decide an upcoming invoice', () => {
    expect(() => testConfig({ PRODUCT_DECIDE: 'upcomingInvoice' })).toThrow(/only notified/);
    expect(testConfig({ PRODUCT_DECIDE: 'all' }).product.decideKinds).not.toContain('upcomingInvoice');
  });
});

describe('usage reports through the metered-usage v2 API', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ PRODUCT_API_TOKENS: TOKEN, RESULT_BACKOFF_MS: '20', APPDIRECT_USAGE_API: 'v2' });
  });
  afterAll(() => s.close());

  it("sends the report's own idempotency key, in the SDK's MeteredUsageRequest shape", async () => {
    const account = await newAccount(s);
    await reportUsage(s, account, 'v2-first', report('0.5', '12.00'));
    const [stored] = await settled(s, account, 1);
    expect(stored!.attemptHistory.map((a) => [a.target, a.httpStatus])).toEqual([['metered_usage_v2', 200]]);
    const [metered] = s.marketplace.meteredUsageOf(account);
    expect(metered!.text).toContain('"quantity":0.5,"unitPrice":12.00');
    expect(metered!.body).toEqual({
      idempotencyKey: 'v2-first',
      billable: true,
      sourceType: '',
      usages: [
        {
          accountId: account,
          usageList: [
            {
              pricingUnit: 'HOUR',
              quantity: 0.5,
              unitPrice: 12,
              description: 'Compute hours',
              currency: 'USD',
              eventDate: '2026-12-07T23:59:59.000Z',
              eventId: 'v2-first#1',
            },
          ],
        },
      ],
    });
    expect(s.marketplace.usageOf(account)).toEqual([]);
  });

  it('sends the same key on every attempt, and takes "Entry ALREADY exists" after a lost answer as delivered', async () => {
    const account = await newAccount(s);
    s.marketplace.meteredFaults.push({ status: 503, times: 2, accountIdentifier: account });
    // Taken by the marketplace, but its answer never comes back: the attempt times out and is made again.
    s.marketplace.meteredFaults.push({ takeThenHang: true, times: 1, accountIdentifier: account });
    await reportUsage(s, account, 'v2-lost-answer', report('3'));
    const [stored] = await settled(s, account, 1);
    expect(stored!.status).toBe('delivered');
    expect(stored!.attemptHistory.map((a) => a.httpStatus)).toEqual([503, 503, null, 409]);
    expect(s.marketplace.meteredCalls.get('v2-lost-answer')).toBe(4);
    expect(s.marketplace.meteredUsageOf(account)).toHaveLength(1);
  }, 30_000);
});
