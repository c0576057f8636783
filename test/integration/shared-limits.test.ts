/**
 * Several processes, one budget: two API processes (two applications, each with its own Redis connection,
 * one queue prefix as in one deployment) share the credential-guessing limits (failures only: AppDirect's
 * own bursts are never refused), and two processes' product
 * circuit breakers share one state. With Redis away (down, or stalled) each process counts on its own:
 * the limit still holds per process, AppDirect is let in, and product calls are still made.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import request from 'supertest';
import { circuitKeys } from '../../src/hooks/circuit-breaker';
import type { ProductCall } from '../../src/hooks/contract';
import { webhookTransport } from '../../src/hooks/webhook';
import { buildApp } from '../../src/http/app';
import { createProducerConnection, type RedisConnection } from '../../src/queue/connection';
import { findFreePort } from '../../src/runtime/ports';
import { startTestApp, type TestApp } from '../support/app';
import { producerRedis, silentLogger, testQueuePrefix } from '../support/infra';
import { startRedisProcess, type RedisProcess } from '../support/redis-topologies';
import { eventually } from '../support/workers';

const BASIC = { username: 'appdirect', password: 'the-right-password' };
const ENV = {
  APPDIRECT_BASIC_USERNAME: BASIC.username,
  APPDIRECT_BASIC_PASSWORD: BASIC.password,
  TRUST_PROXY: 'loopback',
};

/** One notification with Basic credentials from `client` (X-Forwarded-For, believed from loopback). */
const notify = (app: TestApp['app'], client: string, password: string) =>
  request(app)
    .get('/appdirect/events?eventUrl=x')
    .set('accept', 'application/json')
    .set('x-forwarded-for', client)
    .set('authorization', `Basic ${Buffer.from(`${BASIC.username}:${password}`).toString('base64')}`);

describe('credential guessing over two API processes', () => {
  let first: TestApp;
  let second: TestApp;
  beforeEach(async () => {
    first = await startTestApp(ENV);
    second = await startTestApp({ ...ENV, QUEUE_PREFIX: first.prefix });
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });

  it('gives a client one budget of 20 failures whichever process its guesses reach', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await notify(first.app, '203.0.113.7', `guess-${i}`)).status);
    for (let i = 10; i < 20; i += 1) statuses.push((await notify(second.app, '203.0.113.7', `guess-${i}`)).status);
    expect(statuses).toEqual(Array(20).fill(401));
    const over = await notify(second.app, '203.0.113.7', 'guess-20');
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await notify(first.app, '203.0.113.7', 'guess-21')).status).toBe(429);
  });

  it('spends one overall budget of 200 failures over both processes, however many addresses guess', async () => {
    const sprayed: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const app = i % 2 === 0 ? first.app : second.app;
      sprayed.push((await notify(app, `198.51.100.${i % 250}`, `spray-${i}`)).status);
    }
    expect(sprayed.filter((status) => status === 401)).toHaveLength(200);
    expect((await notify(first.app, '192.0.2.1', 'one-more')).status).toBe(429);
    expect((await notify(second.app, '192.0.2.2', 'one-more')).status).toBe(429);
  });

  it('does not count right credentials, so AppDirect never spends the budget itself', async () => {
    for (let i = 0; i < 25; i += 1) {
      const app = i % 2 === 0 ? first.app : second.app;
      expect((await notify(app, '203.0.113.50', BASIC.password)).status).toBe(400); // authenticated; eventUrl "x" is not a URL
    }
    expect((await notify(first.app, '203.0.113.50', 'wrong')).status).toBe(401);
  });

  it('lets AppDirect send many notifications at once from one address: only failures are counted', async () => {
    const burst = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        notify(i % 2 === 0 ? first.app : second.app, '203.0.113.60', BASIC.password),
      ),
    );
    expect(burst.map((res) => res.status)).toEqual(Array(60).fill(400)); // authenticated; eventUrl "x" is not a URL
  });

  it('answers at most 20 guesses of one client sent all at once, over both processes', async () => {
    const burst = await Promise.all(
      Array.from({ length: 60 }, (_, i) => notify(i % 2 === 0 ? first.app : second.app, '203.0.113.61', `g-${i}`)),
    );
    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
  });
});

describe('credential guessing while Redis is away', () => {
  let subject: TestApp;
  beforeAll(async () => {
    subject = await startTestApp(ENV);
  });
  afterAll(() => subject.close());

  /** 20 failures answered 401, the 21st 429, and right credentials from elsewhere authenticated. */
  async function expectLimitedInProcess(app: TestApp['app'], client: string): Promise<void> {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) statuses.push((await notify(app, client, `guess-${i}`)).status);
    expect(statuses).toEqual([...Array(20).fill(401), 429]);
    expect((await notify(app, '203.0.113.99', BASIC.password)).status).toBe(400);
  }

  it('counts in the process when Redis is unreachable: still limited, AppDirect still let in', async () => {
    const deadRedis = createProducerConnection(`redis://127.0.0.1:${await findFreePort()}`, {
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    try {
      await expectLimitedInProcess(buildApp({ ...subject.deps, redis: deadRedis }), '203.0.113.8');
    } finally {
      deadRedis.disconnect();
    }
  });

  describe('when Redis stalls', () => {
    let server: RedisProcess;
    let stalled: RedisConnection;
    const dir = `/tmp/adp-redis-stall-${process.pid}`;
    beforeAll(async () => {
      server = await startRedisProcess(dir, ['--maxmemory-policy', 'noeviction']);
      stalled = await producerRedis(`redis://127.0.0.1:${server.port}`);
    });
    afterAll(async () => {
      stalled.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('waits for it at most once (500 ms), then counts in the process', async () => {
      const app = buildApp({ ...subject.deps, redis: stalled });
      expect((await notify(app, '203.0.113.9', 'before')).status).toBe(401); // Redis answers: counted there
      process.kill(server.child.pid!, 'SIGSTOP'); // connected, answering nothing
      try {
        const started = Date.now();
        await expectLimitedInProcess(app, '203.0.113.10');
        expect(Date.now() - started).toBeLessThan(4000); // not 500 ms per command: 22 requests would take 30 s
      } finally {
        process.kill(server.child.pid!, 'SIGCONT');
      }
    });
  });
});

/** A product webhook on loopback that answers `status` and counts the calls it receives. */
function productServer(): { server: Server; url: () => string; calls: () => number; answer: (status: number) => void } {
  let status = 503;
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
  });
  return {
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    calls: () => calls,
    answer: (next) => (status = next),
  };
}

const SECRET = `whsec_${Buffer.from('a-secret-of-at-least-24-bytes!!').toString('base64')}`;
const CALL = { type: 'accountCreated', mode: 'notify' } as unknown as ProductCall;
const SEND = { idempotencyKey: 'call_1', timeoutMs: 2000 };

describe('the product circuit breaker over two processes', () => {
  const product = productServer();
  const connections: RedisConnection[] = [];
  beforeAll(async () => {
    await new Promise<void>((resolve) => product.server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await new Promise((resolve) => product.server.close(resolve));
  });

  /** The transport of one process: its own Redis connection, the deployment's prefix. */
  async function processTransport(prefix: string, redis?: RedisConnection) {
    const connection = redis ?? (await producerRedis());
    connections.push(connection);
    return webhookTransport({
      url: product.url(),
      secrets: [SECRET],
      allowPrivateTargets: true,
      breaker: { failures: 3, openMs: 300 },
      shared: { redis: connection, prefix, logger: silentLogger },
    });
  }

  it('opens for every process once the product failed 3 times in a row, and lets one trial through', async () => {
    product.answer(503);
    const prefix = testQueuePrefix();
    const [api, worker] = [await processTransport(prefix), await processTransport(prefix)];
    const before = product.calls();
    for (let i = 0; i < 3; i += 1) await expect(api.send(CALL, SEND)).rejects.toThrow('HTTP 503');
    // The worker has not failed once itself, yet it does not call the product.
    await expect(worker.send(CALL, SEND)).rejects.toThrow('circuit open after 3 failures in a row');
    expect(product.calls() - before).toBe(3);

    // Once the open period is over, one trial goes out, whichever process makes it; it closes the circuit.
    const redis = connections[0]!;
    const [, openKey] = circuitKeys({ prefix }, product.url());
    await eventually(async () => (await redis.exists(openKey)) === 0, 5000, 20);
    product.answer(200);
    const outcomes = await Promise.allSettled([api.send(CALL, SEND), worker.send(CALL, SEND)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toContain(
      'circuit open',
    );
    expect(product.calls() - before).toBe(4);
    await expect(worker.send(CALL, SEND)).resolves.toEqual({});
    await expect(api.send(CALL, SEND)).resolves.toEqual({});
  });

  it("keeps each process's own breaker while Redis is unreachable: calls still go out, failures still open it", async () => {
    product.answer(503);
    const deadRedis = createProducerConnection(`redis://127.0.0.1:${await findFreePort()}`, {
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    const alone = await processTransport(testQueuePrefix(), deadRedis);
    const before = product.calls();
    for (let i = 0; i < 3; i += 1) await expect(alone.send(CALL, SEND)).rejects.toThrow('HTTP 503');
    await expect(alone.send(CALL, SEND)).rejects.toThrow('circuit open');
    expect(product.calls() - before).toBe(3);
  });
});
