/**
 * Issue #11.8: operators' actions are audited atomically and safely — the audit row commits with the
 * change, a bulk retry audits each batch, nothing changes while Redis is away, bull-board is read-only,
 * and any of several unnamed admin tokens can log in to the page.
 */
import { createProducerConnection } from '../../src/queue/connection';
import { buildApp } from '../../src/http/app';
import { createHttpServer } from '../../src/http/http-server';
import type { AddressInfo } from 'node:net';
import { startScenario, type Scenario } from '../support/scenario';

const TOKEN_A = 'first-unnamed-token-0123456789abcdef';
const TOKEN_B = 'second-unnamed-token-0123456789abcdef';

describe('admin actions: audit, Redis, bull-board, tokens', () => {
  let s: Scenario;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = async (path: string, init: RequestInit & { token?: string } = {}, base = s.serviceUrl) => {
    const { token = TOKEN_A, ...rest } = init;
    const headers = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
    };
    const res = await fetch(`${base}/admin/api${path}`, { ...rest, headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };
  const prisma = () => s.subject.db.prisma;

  /** Inbox rows as a failed run leaves them, without a result delivery (AppDirect received nothing yet). */
  const insertFailedEvents = async (count: number, errorCode: string) => {
    const tokens = Array.from({ length: count }, (_, i) => `audit-${errorCode}-${i}-${Date.now()}`);
    await prisma().event.createMany({
      data: tokens.map((token) => ({
        token,
        eventUrl: `${s.marketplace.origin}/api/integration/v1/events/${token}`,
        marketplaceBaseUrl: s.marketplace.origin,
        status: 'failed' as const,
        errorCode,
        finishedAt: new Date(),
      })),
    });
    return tokens;
  };

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `${TOKEN_A},${TOKEN_B}` });
  });
  afterAll(() => s.close());

  it('commits the audit row with the retry: when the audit cannot be written, nothing changes', async () => {
    const [token] = await insertFailedEvents(1, 'ATOMIC_CHECK');
    await prisma().$executeRawUnsafe(`
      CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql`);
    await prisma().$executeRawUnsafe(
      'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
    );
    try {
      const refused = await api(`/events/${token}/retry`, { method: 'POST' });
      expect(refused.status).toBe(500);
      expect((await prisma().event.findUniqueOrThrow({ where: { token } })).status).toBe('failed');
      expect(await s.subject.deps.producer.events.getJob(token!)).toBeUndefined();
      const cancelled = await api(`/events/${token}/cancel`, { method: 'POST' });
      expect(cancelled.status).toBe(409); // failed events are final; nothing to cancel either way
    } finally {
      await prisma().$executeRawUnsafe('DROP TRIGGER refuse_audit ON audit_log');
      await prisma().$executeRawUnsafe('DROP FUNCTION refuse_audit()');
    }
    const retried = await api(`/events/${token}/retry`, { method: 'POST' });
    expect(retried).toMatchObject({ status: 202, body: { retry: 'rerun' } });
    expect(await prisma().auditLog.findFirst({ where: { target: token } })).toMatchObject({
      actor: 'admin',
      action: 'events.retry.rerun',
    });
  });

  it('writes one audit row per batch of a bulk retry, with the batch it covers', async () => {
    const tokens = await insertFailedEvents(201, 'BULK_CHECK');
    const res = await api('/events/retry', { method: 'POST', body: JSON.stringify({ errorCode: 'BULK_CHECK' }) });
    expect(res).toMatchObject({ status: 202, body: { matched: 201, queued: 201, needsForce: 0 } });
    const rows = await prisma().auditLog.findMany({ where: { action: 'events.bulk_retry' }, orderBy: { id: 'asc' } });
    const batches = rows.filter((row) => (row.filter as Json | null)?.errorCode === 'BULK_CHECK');
    expect(batches.map((row) => [(row.filter as Json).batch, row.count])).toEqual([
      [1, 200],
      [2, 1],
    ]);
    expect((batches[0]!.filter as Json).firstToken).toBe(tokens[0]);
    expect((batches[1]!.filter as Json).lastToken).toBe(tokens[200]);
  });

  it('answers 503 with Retry-After and changes nothing while Redis is unreachable', async () => {
    const [token] = await insertFailedEvents(1, 'REDIS_DOWN');
    const deadRedis = createProducerConnection('redis://127.0.0.1:1');
    deadRedis.on('error', () => undefined);
    const app = buildApp({ ...s.subject.deps, redis: deadRedis });
    const server = createHttpServer(app, s.subject.deps.logger).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const [path, body] of [
        [`/events/${token}/retry`, undefined],
        [`/events/${token}/rerun`, undefined],
        [`/events/${token}/resend-result`, undefined],
        [`/events/${token}/cancel`, undefined],
        ['/events/retry', JSON.stringify({ errorCode: 'REDIS_DOWN' })],
      ] as const) {
        const res = await api(path, { method: 'POST', body }, base);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 503,
          code: 'DEPENDENCY_UNAVAILABLE',
        });
        expect(res.body.message).toContain('Redis');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await prisma().event.findUniqueOrThrow({ where: { token } })).status).toBe('failed');
      expect(await prisma().auditLog.count({ where: { target: token } })).toBe(0);
    } finally {
      server.close();
      deadRedis.disconnect();
    }
  });

  it('keeps bull-board read-only: no retries, removals or pauses through it', async () => {
    const board = (path: string, method: string) =>
      fetch(`${s.serviceUrl}/admin/queues/api${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN_A}`, accept: 'application/json' },
      });
    expect((await board('/queues', 'GET')).status).toBe(200);
    for (const [path, method] of [
      ['/queues/events/retry/failed', 'PUT'],
      ['/queues/events/clean/failed', 'PUT'],
      ['/queues/events/pause', 'PUT'],
      ['/queues/events/empty', 'PUT'],
      ['/queues/events/x/retry/failed', 'POST'],
    ]) {
      const res = await board(path!, method!);
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
      expect(((await res.json()) as Json).code).toBe('METHOD_NOT_ALLOWED');
    }
    const queues = ((await (await board('/queues', 'GET')).json()) as { queues: Array<{ readOnlyMode: boolean }> })
      .queues;
    expect(queues.every((queue) => queue.readOnlyMode)).toBe(true);
  });

  it('logs in to the page with either of two unnamed tokens', async () => {
    for (const token of [TOKEN_A, TOKEN_B]) {
      const login = await fetch(`${s.serviceUrl}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${token}`,
      });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const page = await fetch(`${s.serviceUrl}/admin/api/events?limit=1`, {
        headers: { cookie, accept: 'application/json' },
      });
      expect({ token: token.slice(0, 6), status: page.status }).toEqual({ token: token.slice(0, 6), status: 200 });
    }
  });
});
