import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createPrisma } from '../../src/db/client';
import { buildApp } from '../../src/http/app';
import { errorHandler } from '../../src/http/middleware/errors';
import { jsonBody, validateBody } from '../../src/http/middleware/json-body';
import { rateLimit } from '../../src/http/middleware/rate-limit';
import { requestContext } from '../../src/http/middleware/request-context';
import { createProducerConnection } from '../../src/queue/connection';
import { findFreePort } from '../../src/runtime/ports';
import { startTestApp, type TestApp } from '../support/app';
import { expectedMigrations, silentLogger } from '../support/infra';

const ERROR_SHAPE = {
  code: expect.any(String),
  message: expect.any(String),
  action: expect.any(String),
  requestId: expect.any(String),
};

/** The shared middleware on a throw-away route, for statuses whose real routes arrive in later issues. */
function middlewareApp(configure: (app: express.Express) => void): express.Express {
  const app = express();
  app.use(requestContext(silentLogger));
  configure(app);
  app.use(errorHandler());
  return app;
}

describe('HTTP contract', () => {
  let subject: TestApp;
  let app: express.Express;

  beforeAll(async () => {
    subject = await startTestApp({});
    ({ app } = subject);
  });
  afterAll(() => subject.close());

  it('GET /ping answers 200 with a request id', async () => {
    const res = await request(app).get('/ping').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    expect((await request(app).get('/ping').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    expect(
      (await request(app).get('/ping').set('X-Request-Id', 'bad id <script>')).headers['x-request-id'],
    ).not.toContain('<');
  });

  it('GET /status answers 200 when PostgreSQL and Redis answer and migrations are applied', async () => {
    const res = await request(app).get('/status').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.postgres.ok).toBe(true);
    expect(res.body.checks.redis.ok).toBe(true);
    expect(res.body.checks.migrations.ok).toBe(true);
  });

  it('GET /status answers 503 naming Redis when Redis does not answer', async () => {
    const deadPort = await findFreePort();
    const deadRedis = createProducerConnection(`redis://127.0.0.1:${deadPort}`, { retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    const downApp = buildApp({ ...subject.deps, redis: deadRedis });
    const res = await request(downApp).get('/status').expect(503);
    expect(res.body).toMatchObject({
      ...ERROR_SHAPE,
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'Redis is not reachable; the request was not processed.',
    });
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.details.checks.postgres.ok).toBe(true);
    deadRedis.disconnect();
  });

  it('GET /status answers 503 naming PostgreSQL when the database does not answer', async () => {
    const deadPort = await findFreePort();
    const deadPrisma = createPrisma(`postgresql://postgres:postgres@127.0.0.1:${deadPort}/postgres`);
    const downApp = buildApp({ ...subject.deps, prisma: deadPrisma });
    const res = await request(downApp).get('/status').expect(503);
    expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(res.body.message).toMatch(/^PostgreSQL and Database migrations is not reachable|^PostgreSQL/);
    expect(res.body.details.checks.redis.ok).toBe(true);
    await deadPrisma.$disconnect();
  });

  it('GET /status answers 503 when a migration has not been applied', async () => {
    const behindApp = buildApp({
      ...subject.deps,
      expectedMigrations: [...expectedMigrations(), '29990101000000_from_the_future'],
    });
    const res = await request(behindApp).get('/status').expect(503);
    expect(res.body.message).toBe('Database migrations is not reachable; the request was not processed.');
    expect(res.body.details.checks.migrations).toEqual({ ok: false, latencyMs: expect.any(Number) });
  });

  it('answers 404 in the catalogue shape for an unknown route', async () => {
    const res = await request(app).get('/nope').expect(404);
    expect(res.body).toEqual({
      ...ERROR_SHAPE,
      code: 'ROUTE_NOT_FOUND',
      message: 'There is no GET /nope on this service.',
    });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers 405 with an Allow header for a known path and a wrong method', async () => {
    const res = await request(app).post('/status').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers 406 when the Accept header excludes JSON', async () => {
    const res = await request(app).get('/ping').set('Accept', 'text/html').expect(406);
    expect(res.body.code).toBe('NOT_ACCEPTABLE');
  });

  it('answers 403 ADMIN_DISABLED on /admin when no ADMIN_TOKEN is configured', async () => {
    const res = await request(app).get('/admin/api/events').expect(403);
    expect(res.body.code).toBe('ADMIN_DISABLED');
  });

  describe('JSON bodies', () => {
    const bodyApp = middlewareApp((a) =>
      a.post(
        '/things',
        jsonBody('1kb'),
        validateBody(z.object({ name: z.string(), count: z.number().int() })),
        (req, res) => {
          res.json(req.body);
        },
      ),
    );

    it('accepts a valid body', async () => {
      await request(bodyApp).post('/things').send({ name: 'a', count: 1 }).expect(200, { name: 'a', count: 1 });
    });

    it('answers 415 for a non-JSON content type', async () => {
      const res = await request(bodyApp).post('/things').set('Content-Type', 'text/plain').send('name=a').expect(415);
      expect(res.body.message).toBe("Content-Type must be application/json, not 'text/plain'.");
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await request(bodyApp)
        .post('/things')
        .set('Content-Type', 'application/json')
        .send('{"name":')
        .expect(400);
      expect(res.body.code).toBe('BODY_MALFORMED');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await request(bodyApp)
        .post('/things')
        .send({ name: 'x'.repeat(2048), count: 1 })
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers 422 listing every invalid field', async () => {
      const res = await request(bodyApp).post('/things').send({ count: 'three' }).expect(422);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toBe('The request body has 2 invalid field(s): name, count.');
      expect(res.body.details.fields.map((f: { field: string }) => f.field)).toEqual(['name', 'count']);
    });
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const limited = middlewareApp((a) =>
      a.get('/limited', rateLimit(subject.deps, { name: 'contract', limit: 2, windowMs: 60_000 }), (_req, res) =>
        res.json({}),
      ),
    );
    await request(limited).get('/limited').expect(200);
    await request(limited).get('/limited').expect(200);
    const res = await request(limited).get('/limited').expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers 500 without leaking the internal error', async () => {
    const broken = middlewareApp((a) =>
      a.get('/boom', () => {
        throw new Error('password=hunter2 at /srv/secret.ts:12');
      }),
    );
    const res = await request(broken).get('/boom').expect(500);
    expect(res.body).toEqual({
      ...ERROR_SHAPE,
      code: 'INTERNAL_ERROR',
      message: 'An unexpected error occurred while handling the request.',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|secret\.ts/);
  });
});
