/**
 * The managed-services preflight while the processes run, on real servers: a problem that appears after
 * start (the eviction policy changed, a Sentinel failover to a primary set up differently, grants revoked)
 * shows on /status with its catalogue message, makes unready the processes it stops, and clears by itself
 * once fixed; a worker on a Redis the queues cannot use stays up, takes no jobs and says why on /readyz.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import request from 'supertest';
import { Preflight } from '../../src/health/preflight';
import { buildApp } from '../../src/http/app';
import { findFreePort } from '../../src/runtime/ports';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, postgresUrl, silentLogger, uniqueName } from '../support/infra';
import {
  redisCliInstalled,
  redisCommand,
  startRedisProcess,
  startRedisSentinel,
  type RedisProcess,
} from '../support/redis-topologies';
import { eventually, spawnWorkerProcess } from '../support/workers';

const ADMIN = 'preflight-admin-token-0123456789abcdef';
const asAdmin = { authorization: `Bearer ${ADMIN}` };

/** A preflight over the app's own connection and database that runs again every `everyMs`. */
async function watch(subject: TestApp, everyMs: number, databaseUrl = subject.db.url): Promise<Preflight> {
  const preflight = new Preflight({
    databaseUrl,
    redis: [subject.redis],
    redisTopology: subject.deps.config.redis?.topology ?? 'standalone',
    logger: silentLogger,
    everyMs,
  });
  await preflight.start();
  return preflight;
}

/** Waits until GET /status answers `status`, and returns that answer. */
const statusBecomes = (app: TestApp['app'], status: number, headers: Record<string, string> = {}) =>
  eventually(async () => {
    const res = await request(app).get('/status').set(headers);
    return res.status === status ? res : null;
  }, 10_000);

describe('a Redis whose eviction policy changes after start', () => {
  let server: RedisProcess;
  let subject: TestApp;
  const dir = `/tmp/adp-preflight-redis-${process.pid}`;
  beforeAll(async () => {
    server = await startRedisProcess(dir, ['--maxmemory-policy', 'noeviction']);
    subject = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${server.port}`, ADMIN_TOKEN: ADMIN });
  });
  afterAll(async () => {
    await subject.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows on /status within the next run, with its catalogue message, and clears once fixed', async () => {
    const preflight = await watch(subject, 200);
    const app = buildApp({ ...subject.deps, preflight });
    try {
      expect((await request(app).get('/status').expect(200)).body.checks.preflight).toMatchObject({
        ok: true,
        problems: [],
      });
      await redisCommand(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');

      const anonymous = await statusBecomes(app, 503);
      expect(anonymous.body).toMatchObject({
        code: 'DEPENDENCY_MISCONFIGURED',
        message: 'Redis is set up in a way this service cannot work with (REDIS_EVICTION_POLICY).',
      });
      expect(anonymous.body.details.checks.preflight).toEqual({
        ok: false,
        latencyMs: expect.any(Number),
        problems: ['REDIS_EVICTION_POLICY'],
      });
      expect(JSON.stringify(anonymous.body)).not.toContain(String(server.port)); // no hosts for anonymous callers
      const admin = await request(app).get('/status').set(asAdmin).expect(503);
      expect(admin.body.details.checks.preflight.problems).toEqual([
        {
          dependency: 'Redis',
          code: 'REDIS_EVICTION_POLICY',
          message: `Redis 127.0.0.1:${server.port} has maxmemory-policy allkeys-lru: it may evict queue keys (jobs, locks) under memory pressure.`,
          action: expect.stringContaining('Set maxmemory-policy noeviction'),
        },
      ]);
      // The API still takes notifications: they are recorded in PostgreSQL whatever Redis does.
      expect((await request(app).get('/readyz')).status).toBe(200);

      await redisCommand(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await statusBecomes(app, 200);
    } finally {
      preflight.stop();
    }
  });
});

describe('grants revoked from the app role after start', () => {
  let subject: TestApp;
  let admin: pg.Client;
  const role = uniqueName('app_role');
  beforeAll(async () => {
    subject = await startTestApp({ ADMIN_TOKEN: ADMIN });
    admin = new pg.Client({ connectionString: subject.db.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'role-pw'`);
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await admin.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  });
  afterAll(async () => {
    await admin.end();
    await subject.close();
    const server = new pg.Client({ connectionString: postgresUrl() });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
  });

  it('makes the API unready and names the GRANTs on /status, until they are given back', async () => {
    const url = new URL(subject.db.url);
    url.username = role;
    url.password = 'role-pw';
    const preflight = await watch(subject, 200, url.toString());
    const app = buildApp({ ...subject.deps, preflight });
    try {
      await request(app).get('/readyz').expect(200);
      await admin.query(`REVOKE INSERT ON events FROM ${role}`);

      const res = await eventually(async () => {
        const answer = await request(app).get('/readyz');
        return answer.status === 503 ? answer : null;
      }, 10_000);
      expect(res.body).toMatchObject({
        code: 'DEPENDENCY_MISCONFIGURED',
        message: 'PostgreSQL is set up in a way this service cannot work with (DATABASE_PRIVILEGES_MISSING).',
      });
      const status = await request(app).get('/status').set(asAdmin).expect(503);
      expect(status.body.code).toBe('DEPENDENCY_MISCONFIGURED');
      expect(status.body.details.checks.preflight.problems).toEqual([
        expect.objectContaining({
          code: 'DATABASE_PRIVILEGES_MISSING',
          message: expect.stringContaining(`the role ${role} may not use events in schema public`),
          action: expect.stringContaining(
            `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};`,
          ),
        }),
      ]);

      await admin.query(`GRANT INSERT ON events TO ${role}`);
      await statusBecomes(app, 200);
      await request(app).get('/readyz').expect(200);
    } finally {
      preflight.stop();
    }
  });
});

const describeIfRedis = redisCliInstalled() ? describe : describe.skip;

describeIfRedis('a Sentinel failover to a primary that evicts', () => {
  it('is seen when the connection comes back, not a minute later', async () => {
    const sentinel = await startRedisSentinel();
    const subject = await startTestApp({
      REDIS_URL: `redis://${sentinel.masterName}`,
      REDIS_SENTINELS: `127.0.0.1:${sentinel.sentinelPort}`,
      ADMIN_TOKEN: ADMIN,
    });
    // Once an hour: only the reconnect can make it look again within this test.
    const preflight = await watch(subject, 3_600_000);
    const app = buildApp({ ...subject.deps, preflight });
    try {
      await request(app).get('/status').expect(200);
      const replicas = (await redisCommand(sentinel.sentinelPort, 'SENTINEL', 'replicas', sentinel.masterName)) as
        string[][] | undefined;
      const fields = replicas![0]!;
      const replicaPort = Number(fields[fields.indexOf('port') + 1]);
      await redisCommand(replicaPort, 'CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
      expect(await sentinel.failover()).toBe(replicaPort);

      // (While the client reconnects, /status may also say Redis does not answer: wait for the problem itself.)
      const res = await eventually(async () => {
        const answer = await request(app).get('/status').set(asAdmin);
        return answer.body.details?.checks.preflight.problems.length > 0 ? answer : null;
      }, 10_000);
      expect(res.body.code).toBe('DEPENDENCY_MISCONFIGURED');
      expect(res.body.details.checks.preflight.problems).toEqual([
        expect.objectContaining({
          code: 'REDIS_EVICTION_POLICY',
          message: expect.stringContaining('has maxmemory-policy volatile-lru'),
        }),
      ]);
    } finally {
      preflight.stop();
      await subject.close();
      await sentinel.stop();
    }
  }, 60_000);
});

describe('a worker on a Redis that evicts', () => {
  it('stays up and live, takes no jobs, answers /readyz 503 with the problem, and resumes once fixed', async () => {
    const dir = `/tmp/adp-preflight-worker-${process.pid}`;
    const server = await startRedisProcess(dir, ['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
    const db = await createTestDatabase();
    const metricsPort = await findFreePort();
    const worker = spawnWorkerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${server.port}`,
      METRICS_PORT: String(metricsPort),
    });
    const probe = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
      return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
    };
    try {
      const unready = await eventually(async () => {
        const answer = await probe('/readyz');
        return answer.status === 503 && answer.body.code === 'DEPENDENCY_MISCONFIGURED' ? answer : null;
      }, 20_000);
      expect(unready.body.message).toBe(
        'Redis is set up in a way this service cannot work with (REDIS_EVICTION_POLICY).',
      );
      expect((await probe('/livez')).status).toBe(200);
      await eventually(async () => worker.output().includes('taking no jobs until the set-up is fixed'));
      expect(worker.output()).toMatch(/has maxmemory-policy allkeys-lru: it may evict queue keys.*noeviction/);
      expect(worker.child.exitCode).toBeNull();

      // Fixed, and the connections come back (as after a restart of Redis): checked again at once.
      await redisCommand(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await redisCommand(server.port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await eventually(async () => (await probe('/readyz')).status === 200, 20_000);
    } finally {
      await worker.stop();
      await db.drop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
