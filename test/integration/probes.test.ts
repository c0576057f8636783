import request from 'supertest';
import { z } from 'zod';
import { createPrisma } from '../../src/db/client';
import { workerProbes } from '../../src/health/probes';
import { buildApp } from '../../src/http/app';
import { retryPolicies } from '../../src/jobs/retry-policy';
import { createProducerConnection, createWorkerConnection } from '../../src/queue/connection';
import { QUEUES } from '../../src/queue/names';
import { Producer } from '../../src/queue/producer';
import { startWorkerLoop, type JobDefinition } from '../../src/queue/worker-loop';
import { findFreePort } from '../../src/runtime/ports';
import { startTestApp, type TestApp } from '../support/app';
import { expectedMigrations, silentLogger, testConfig, testQueuePrefix } from '../support/infra';
import { eventually } from '../support/workers';

const ADMIN = 'probe-admin-token-0123456789abcdef';

async function deadRedis() {
  const redis = createProducerConnection(`redis://127.0.0.1:${await findFreePort()}`, { retryStrategy: () => null });
  redis.on('error', () => undefined);
  return redis;
}

describe('API probes', () => {
  let subject: TestApp;

  beforeAll(async () => {
    subject = await startTestApp({ ADMIN_TOKEN: ADMIN });
  });
  afterAll(() => subject.close());

  it('GET /livez answers 200 without touching a dependency', async () => {
    const redis = await deadRedis();
    const prisma = createPrisma(`postgresql://postgres:postgres@127.0.0.1:${await findFreePort()}/postgres`);
    const app = buildApp({ ...subject.deps, redis, prisma });
    expect((await request(app).get('/livez').expect(200)).body).toEqual({ status: 'ok' });
    redis.disconnect();
    await prisma.$disconnect();
  });

  it('GET /readyz answers 200 when PostgreSQL answers and migrations are applied', async () => {
    const res = await request(subject.app).get('/readyz').expect(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.checks.postgres.ok).toBe(true);
  });

  it('GET /readyz stays 200 while Redis is down: notifications are still recorded in PostgreSQL', async () => {
    const redis = await deadRedis();
    const app = buildApp({ ...subject.deps, redis });
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body.checks.redis.ok).toBe(false);
    redis.disconnect();
  });

  it('GET /readyz answers 503 NOT_READY when PostgreSQL does not answer', async () => {
    const prisma = createPrisma(`postgresql://postgres:postgres@127.0.0.1:${await findFreePort()}/postgres`);
    const app = buildApp({ ...subject.deps, prisma });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.code).toBe('NOT_READY');
    expect(res.body.message).toContain('PostgreSQL');
    await prisma.$disconnect();
  });

  it('GET /readyz answers 503 when a migration of this build is not applied', async () => {
    const app = buildApp({
      ...subject.deps,
      expectedMigrations: [...expectedMigrations(), '29990101000000_from_the_future'],
    });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.message).toContain('Database migrations');
  });

  it('GET /status shows anonymous callers which check fails but no error text, admins everything', async () => {
    const redis = await deadRedis();
    const app = buildApp({ ...subject.deps, redis });
    const anonymous = await request(app).get('/status').expect(503);
    expect(anonymous.body.details.checks.redis).toEqual({ ok: false, latencyMs: expect.any(Number) });
    expect(JSON.stringify(anonymous.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|Connection is closed/);
    const admin = await request(app).get('/status').set('Authorization', `Bearer ${ADMIN}`).expect(503);
    expect(admin.body.details.checks.redis.error).toEqual(expect.any(String));
    const wrong = await request(app)
      .get('/status')
      .set('Authorization', 'Bearer not-the-admin-token-at-all-0123456789')
      .expect(503);
    expect(wrong.body.details.checks.redis.error).toBeUndefined();
    redis.disconnect();
  });
});

describe('worker probes', () => {
  let subject: TestApp;

  beforeAll(async () => {
    subject = await startTestApp({});
  });
  afterAll(() => subject.close());

  /** A worker loop on the hooks queue whose handler holds each job until released. */
  function stuckLoop(prefix: string) {
    const held: Array<() => void> = [];
    let releasing = false;
    const definition: JobDefinition<{ hookCallId: string }> = {
      queue: QUEUES.hooks,
      data: z.object({ hookCallId: z.string() }),
      concurrency: 1,
      policy: { attempts: 1, delayMs: () => 1000, isTransient: () => false, isOutage: () => false },
      run: () => (releasing ? Promise.resolve() : new Promise<void>((resolve) => held.push(resolve))),
    };
    const connection = createWorkerConnection(process.env.TEST_REDIS_URL!);
    connection.on('error', () => undefined);
    const loop = startWorkerLoop([definition], {
      connection,
      prefix,
      workerId: 'stuck',
      lockMs: 30_000,
      logger: silentLogger,
    });
    return {
      loop,
      held,
      close: async () => {
        releasing = true;
        held.forEach((release) => release());
        await loop.close();
        connection.disconnect();
      },
    };
  }

  it('/livez fails with WORKER_STALLED when jobs wait and the worker makes no progress, and recovers', async () => {
    const prefix = testQueuePrefix();
    const producer = new Producer(subject.redis, { prefix, policies: retryPolicies(testConfig({})) });
    const worker = stuckLoop(prefix);
    const waitingJobs = async () => (await producer.countsOf(QUEUES.hooks)).waiting ?? 0;
    const probes = workerProbes({
      health: {
        db: subject.db.prisma,
        redis: subject.redis,
        expectedMigrations: expectedMigrations(),
        preflight: subject.deps.preflight,
      },
      activity: () => worker.loop.activity.snapshot(),
      waitingJobs,
      stallAfterMs: 300,
    });
    try {
      expect((await probes['/livez']()).status).toBe(200); // idle, nothing waits
      await producer.enqueueHook(1n);
      await producer.enqueueHook(2n);
      await eventually(async () => worker.held.length === 1);
      const stalled = await eventually(async () => {
        const answer = await probes['/livez']();
        return answer.status === 503 ? answer : null;
      });
      expect(stalled.body).toMatchObject({ code: 'WORKER_STALLED', message: expect.stringContaining('1 job(s) wait') });
      worker.held.shift()!();
      await eventually(async () => (await probes['/livez']()).status === 200);
      expect((await probes['/readyz']()).status).toBe(200);
    } finally {
      await worker.close();
      await producer.close();
    }
  });

  it('an idle worker with an empty queue stays live however long it idles', async () => {
    const prefix = testQueuePrefix();
    const producer = new Producer(subject.redis, { prefix, policies: retryPolicies(testConfig({})) });
    const worker = stuckLoop(prefix);
    const probes = workerProbes({
      health: {
        db: subject.db.prisma,
        redis: subject.redis,
        expectedMigrations: expectedMigrations(),
        preflight: subject.deps.preflight,
      },
      activity: () => worker.loop.activity.snapshot(),
      waitingJobs: async () => (await producer.countsOf(QUEUES.hooks)).waiting ?? 0,
      stallAfterMs: 1,
    });
    try {
      await eventually(async () => worker.loop.activity.snapshot().idleForMs > 1);
      expect((await probes['/livez']()).status).toBe(200);
    } finally {
      await worker.close();
      await producer.close();
    }
  });

  it('/readyz of a worker fails while Redis is down', async () => {
    const redis = await deadRedis();
    const probes = workerProbes({
      health: {
        db: subject.db.prisma,
        redis,
        expectedMigrations: expectedMigrations(),
        preflight: subject.deps.preflight,
      },
      activity: () => ({ running: 0, idleForMs: 0 }),
      waitingJobs: async () => 0,
      stallAfterMs: 1000,
    });
    const answer = await probes['/readyz']();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('Redis') });
    redis.disconnect();
  });
});
