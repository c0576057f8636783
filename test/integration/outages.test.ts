/**
 * Dependencies going away: a Redis of its own (restarted on the same port with
 * its append-only file), and a PostgreSQL of its own (stopped).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createPrisma } from '../../src/db/client';
import { buildApp } from '../../src/http/app';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres';
import { startRedisServer } from '../../src/runtime/redis-server';
import type { RunningService } from '../../src/runtime/embedded-postgres';
import { notificationRequest } from '../../tools/fake-marketplace/notify';
import { orderEvent } from '../support/events';
import { BASIC, startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

describe('Redis outage', () => {
  let dir: string;
  let redis: RunningService;
  let port: number;
  let s: Scenario;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'adp-redis-'));
    redis = await startRedisServer(dir, { persistent: true });
    port = Number(new URL(redis.url).port);
    s = await startScenario({ REDIS_URL: redis.url }, { sweepEveryMs: 200 });
  });
  afterAll(async () => {
    await s.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps answering 202 with the event safe in PostgreSQL while Redis is down, and loses nothing once it is back', async () => {
    const before = await Promise.all(Array.from({ length: 5 }, () => s.post(orderEvent({ seats: 3 }))));
    await redis.stop();

    const during = await Promise.all(Array.from({ length: 5 }, () => s.post(orderEvent({ seats: 3 }))));
    expect(during.map((d) => d.status)).toEqual([202, 202, 202, 202, 202]);
    // The answer comes once the row is committed; the failed job add then puts it back to `received`.
    const statusOf = async (token: string) =>
      (await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } })).status;
    for (const { token } of during) {
      for (let i = 0; i < 100 && (await statusOf(token)) !== 'received'; i += 1)
        await new Promise((r) => setTimeout(r, 20));
      expect(await statusOf(token)).toBe('received');
    }

    redis = await startRedisServer(dir, { persistent: true, port });
    for (const { token } of [...before, ...during]) {
      expect(await s.resultOf(token, 30_000)).toMatchObject({ success: true });
    }
    expect(await s.subject.db.prisma.account.count()).toBe(10);
    for (const { token } of [...before, ...during]) expect(s.marketplace.resultsFor(token)).toHaveLength(1);
  }, 60_000);
});

describe('PostgreSQL outage', () => {
  it('answers 503 with Retry-After when PostgreSQL is down, and /status names it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adp-pg-'));
    chmodSync(dir, 0o755);
    const postgres = await startEmbeddedPostgres(dir);
    const migrate = spawnSync('npm', ['run', '--silent', 'db:migrate'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: postgres.url },
      encoding: 'utf8',
    });
    expect(migrate.status).toBe(0);
    const s = await startScenario({}, { workers: false });
    const prisma = createPrisma(postgres.url);
    const app = buildApp({ ...s.subject.deps, prisma });
    try {
      await request(app).get('/status').expect(200);
      await postgres.stop();
      const { eventUrl } = s.marketplace.addEvent(orderEvent());
      const signed = notificationRequest('http://127.0.0.1', eventUrl, { type: 'basic', ...BASIC });
      const res = await request(app)
        .get(new URL(signed.url).pathname + new URL(signed.url).search)
        .set(signed.headers)
        .expect(503);
      expect(res.body).toMatchObject({
        code: 'DEPENDENCY_UNAVAILABLE',
        message: 'PostgreSQL is not reachable; the request was not processed.',
      });
      expect(res.headers['retry-after']).toBe('5');
      const status = await request(app).get('/status').expect(503);
      expect(status.body.details.checks.postgres.ok).toBe(false);
    } finally {
      await prisma.$disconnect().catch(() => undefined);
      await postgres.stop();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the sweeper', () => {
  it('enqueues an inbox row stranded in `received` (enqueue lost between commit and Redis)', async () => {
    const s = await startScenario({}, { workers: false });
    try {
      const { token } = await s.post(orderEvent());
      // The crash window: the row committed, its job never made it.
      await s.subject.deps.producer.events.obliterate({ force: true });
      await s.subject.db.prisma.event.update({ where: { token }, data: { status: 'received' } });
      s.startWorkers(undefined, { sweepEveryMs: 100 });
      expect(await s.resultOf(token)).toMatchObject({ success: true });
      await eventually(
        async () => (await s.subject.db.prisma.event.findUnique({ where: { token } }))?.status === 'succeeded',
      );
    } finally {
      await s.close();
    }
  });
});
