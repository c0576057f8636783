/**
 * The overview (src/admin/overview.ts) and GET /admin/api/overview on a real database: events finished
 * at known times land in the right intervals by outcome, with the right percentiles; the delivery
 * backlog follows what was owed and delivered; unfinished events, undelivered results, failing hook
 * calls and the workers' heartbeats are reported.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildOverview, windowBounds } from '../../src/admin/overview';
import { startHeartbeat } from '../../src/fleet/heartbeat';
import { startTestApp, type TestApp } from '../support/app';
import { silentLogger } from '../support/infra';

const TOKEN = 'overview-token-0123456789abcdefghijklmn';
const MIN = 60_000;

describe('overview', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  let n = 0;

  /** An inbox row as the workers leave it; finished `finishedAgoMs` before `now`, `tookMs` after receipt. */
  const event = (
    now: number,
    fields: {
      status: 'succeeded' | 'refused' | 'failed' | 'cancelled' | 'received' | 'queued' | 'processing';
      errorCode?: string;
      finishedAgoMs?: number;
      tookMs?: number;
      receivedAgoMs?: number;
    },
  ) => {
    n += 1;
    const finishedAt = fields.finishedAgoMs === undefined ? null : new Date(now - fields.finishedAgoMs);
    const receivedAt = finishedAt
      ? new Date(finishedAt.getTime() - (fields.tookMs ?? 1000))
      : new Date(now - (fields.receivedAgoMs ?? 0));
    return t.db.prisma.event.create({
      data: {
        token: `ov-${n}`,
        eventUrl: `https://m.example/api/integration/v1/events/ov-${n}`,
        marketplaceBaseUrl: 'https://m.example',
        status: fields.status,
        errorCode: fields.errorCode ?? null,
        receivedAt,
        finishedAt,
      },
    });
  };

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: `ops:${TOKEN}` });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('counts events per interval by outcome, with median and p95 from receipt to result', async () => {
    const now = Date.now();
    const { fromMs, bucketMs } = windowBounds('24h', now);
    // The interval 2 hours before the last one: four successes (1, 2, 3, 10 s), one refusal, one failure.
    const last = Math.floor((now - fromMs) / bucketMs);
    const inBucket = (index: number) => now - (fromMs + index * bucketMs + bucketMs / 2);
    const target = last - 4;
    for (const took of [1000, 2000, 3000, 10_000])
      await event(now, { status: 'succeeded', finishedAgoMs: inBucket(target), tookMs: took });
    await event(now, {
      status: 'refused',
      errorCode: 'MAX_USERS_REACHED',
      finishedAgoMs: inBucket(target),
      tookMs: 2000,
    });
    await event(now, { status: 'failed', errorCode: 'TRANSPORT_ERROR', finishedAgoMs: inBucket(target), tookMs: 2000 });
    await event(now, { status: 'cancelled', errorCode: 'OPERATION_CANCELLED', finishedAgoMs: inBucket(last - 1) });
    // Outside the window: not counted anywhere.
    await event(now, { status: 'failed', errorCode: 'TRANSPORT_ERROR', finishedAgoMs: 30 * 3600_000 });

    const overview = await buildOverview({ prisma: t.db.prisma }, '24h', now);
    expect(overview.series).toHaveLength(48);
    expect(overview.bucketSeconds).toBe(1800);
    const bucket = overview.series[target]!;
    expect(bucket).toMatchObject({
      succeeded: 4,
      refused: { MAX_USERS_REACHED: 1 },
      failed: { TRANSPORT_ERROR: 1 },
      cancelled: 0,
    });
    expect(bucket.p50Seconds).toBe(2); // 1, 2, 2, 2, 3, 10
    expect(bucket.p95Seconds).toBeCloseTo(8.25, 2); // percentile_cont: 3 + 0.25 * (10 - 3)
    expect(overview.series[last - 1]).toMatchObject({ cancelled: 1, succeeded: 0 });
    expect(
      overview.series
        .filter((b, i) => i !== target && i !== last - 1)
        .every((b) => b.succeeded + b.cancelled + Object.keys(b.failed).length === 0),
    ).toBe(true);
    expect(overview.totals).toMatchObject({
      succeeded: 4,
      cancelled: 1,
      refused: { MAX_USERS_REACHED: 1 },
      failed: { TRANSPORT_ERROR: 1 },
    });
    expect(overview.statusCounts.finishedInWindow).toEqual({ succeeded: 4, refused: 1, failed: 1, cancelled: 1 });
    expect(overview.needsAction.failedEvents).toEqual({ total: 1, byCode: { TRANSPORT_ERROR: 1 } });

    // Over 7 days the event of 30 hours ago is in.
    const week = await buildOverview({ prisma: t.db.prisma }, '7d', now);
    expect(week.series).toHaveLength(42);
    expect(week.totals.failed).toEqual({ TRANSPORT_ERROR: 2 });
  });

  it('reports unfinished events, the oldest waiting one, undelivered results and failing hook calls', async () => {
    const now = Date.now();
    const oldest = await event(now, { status: 'queued', receivedAgoMs: 12 * MIN });
    await event(now, { status: 'received', receivedAgoMs: 1 * MIN });
    await event(now, { status: 'processing', receivedAgoMs: 2 * MIN });
    const owner = await event(now, { status: 'succeeded', finishedAgoMs: 5 * MIN });
    const failedDelivery = await event(now, { status: 'succeeded', finishedAgoMs: 5 * MIN });
    await t.db.prisma.resultDelivery.create({
      data: {
        eventSeq: owner.seq,
        resultUrl: 'https://m.example/r',
        body: {},
        status: 'pending',
        attempts: 2,
        createdAt: new Date(now - 5 * MIN),
      },
    });
    await t.db.prisma.resultDelivery.create({
      data: {
        eventSeq: failedDelivery.seq,
        resultUrl: 'https://m.example/r',
        body: {},
        status: 'failed',
        attempts: 140,
      },
    });
    await t.db.prisma.hookCall.create({
      data: { eventToken: owner.token, kind: 'accountCreated', args: {}, attempts: 3, lastError: 'product down' },
    });
    await t.db.prisma.hookCall.create({ data: { eventToken: owner.token, kind: 'userAssigned', args: {} } });

    const overview = await buildOverview({ prisma: t.db.prisma }, '24h', now);
    expect(overview.statusCounts.now).toEqual({ received: 1, queued: 1, processing: 1 });
    expect(overview.oldestWaiting).toMatchObject({ token: oldest.token, status: 'queued', ageSeconds: 720 });
    expect(overview.needsAction.undeliveredResults).toEqual({
      failed: 1,
      retrying: 1,
      pending: 1,
      oldestPendingAgeSeconds: 300,
    });
    expect(overview.needsAction.hookCalls).toMatchObject({ failing: 1, notDone: 2 });
    await t.db.prisma.hookCall.deleteMany();
    await t.db.prisma.event.deleteMany({ where: { status: { in: ['received', 'queued', 'processing'] } } });
  });

  it('draws the result delivery backlog from what was owed and when it was delivered', async () => {
    await t.db.prisma.resultDelivery.deleteMany();
    const now = Date.now();
    const { fromMs, bucketMs } = windowBounds('24h', now);
    const at = (index: number, fraction = 0.5) => new Date(fromMs + (index + fraction) * bucketMs);
    const delivery = async (createdAt: Date, deliveredAt: Date | null, status: 'pending' | 'delivered' | 'failed') => {
      const e = await event(now, { status: 'succeeded', finishedAgoMs: now - createdAt.getTime() });
      await t.db.prisma.resultDelivery.create({
        data: { eventSeq: e.seq, resultUrl: 'https://m.example/r', body: {}, status, createdAt, deliveredAt },
      });
    };
    await delivery(new Date(fromMs - 3600_000), at(3), 'delivered'); // owed from before the window until interval 3
    await delivery(at(10), at(12), 'delivered');
    await delivery(at(20), null, 'failed'); // never delivered
    await delivery(at(30), null, 'pending');
    await delivery(new Date(fromMs - 7200_000), new Date(fromMs - 3600_000), 'delivered'); // entirely before the window

    const { series } = await buildOverview({ prisma: t.db.prisma }, '24h', now);
    const backlog = series.map((b) => b.deliveryBacklog);
    expect(backlog.slice(0, 3)).toEqual([1, 1, 1]);
    expect(backlog[3]).toBe(0);
    expect(backlog.slice(10, 13)).toEqual([1, 1, 0]);
    expect(backlog[20]).toBe(1);
    expect(backlog[29]).toBe(1);
    expect(backlog[30]).toBe(2);
    expect(backlog[47]).toBe(2);
  });

  it('lists workers by heartbeat: alive, missing (no beat for 30 s) and stopped cleanly', async () => {
    const activity = () => ({ events: { concurrency: 8, running: 2, done: 40 } });
    const alive = startHeartbeat(t.db.prisma, { workerId: 'host-a:1', activity }, silentLogger, { everyMs: 60_000 });
    const stopped = startHeartbeat(t.db.prisma, { workerId: 'host-b:2', activity }, silentLogger, { everyMs: 60_000 });
    await alive.beat();
    await stopped.stop();
    await t.db.prisma.workerHeartbeat.create({
      data: {
        workerId: 'host-c:3',
        host: 'host-c',
        pid: 3,
        version: '0.1.0',
        queues: {},
        startedAt: new Date(Date.now() - 3600_000),
        lastSeenAt: new Date(Date.now() - 5 * MIN),
      },
    });
    const overview = await buildOverview({ prisma: t.db.prisma }, '24h');
    const byId = Object.fromEntries(overview.workers.map((w) => [w.workerId, w]));
    expect(byId['host-a:1']).toMatchObject({
      state: 'alive',
      pid: process.pid,
      queues: { events: { concurrency: 8, running: 2, done: 40 } },
    });
    expect(byId['host-a:1']!.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(byId['host-b:2']!.state).toBe('stopped');
    expect(byId['host-c:3']).toMatchObject({ state: 'missing', lastSeenSecondsAgo: expect.any(Number) });
    expect(byId['host-c:3']!.lastSeenSecondsAgo).toBeGreaterThanOrEqual(300);
    await alive.stop();
  });

  it('serves GET /admin/api/overview to admins, with the window checked', async () => {
    const get = (path: string, token: string | null = TOKEN) =>
      fetch(`${url}/admin/api${path}`, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    const day = await get('/overview');
    expect(day.status).toBe(200);
    const body = (await day.json()) as {
      window: string;
      series: unknown[];
      queues: Record<string, unknown>;
      workers: unknown[];
    };
    expect(body.window).toBe('24h');
    expect(body.series).toHaveLength(48);
    expect(Object.keys(body.queues).sort()).toEqual(['events', 'hooks', 'reports', 'results']);
    expect(((await (await get('/overview?window=7d')).json()) as { series: unknown[] }).series).toHaveLength(42);

    const bad = await get('/overview?window=1h');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'PARAMETER_INVALID', message: expect.stringContaining('window') });
    expect((await get('/overview?since=1')).status).toBe(400);
    expect((await get('/overview', null)).status).toBe(401);

    const openapi = (await (await fetch(`${url}/admin/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(openapi.paths['/overview']).toBeDefined();
  });
});
