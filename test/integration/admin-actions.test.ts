/**
 * Issue #23.5: an admin action does exactly what its answer says, or nothing, and its audit row commits in
 * the same transaction as the change. Re-asking the product re-sent a failed event's result while answering
 * 409; re-sends and re-asks were audited after the fact; a re-send left a call waiting for its backoff; an
 * enqueue failing after the commit answered 500 for a change that was made.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProvisioningHooks } from '../../src/hooks';
import { buildApp } from '../../src/http/app';
import { createHttpServer } from '../../src/http/http-server';
import { jobIdForHookCall, jobIdForToken } from '../../src/queue/names';
import type { Producer } from '../../src/queue/producer';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'actions-test-token-0123456789abcdef0123';

describe('admin actions do what they answer, audited with the change', () => {
  let s: Scenario;
  let decide: 'accept' | 'pending' = 'accept';
  let notifyFails = false;
  const hooks: ProvisioningHooks = {
    async accountCreated() {
      return decide === 'pending' ? { decision: 'pending' } : { decision: 'accept' };
    },
    async userAssigned() {
      if (notifyFails) throw new Error('product down');
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = async (p: string, init: { method?: string; body?: unknown } = {}, base?: string) => {
    const res = await fetch(`${base ?? s.serviceUrl}/admin/api${p}`, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const prisma = () => s.subject.db.prisma;
  const auditOf = (target: string) => prisma().auditLog.findMany({ where: { target }, orderBy: { id: 'asc' } });
  const eventRow = (token: string) =>
    prisma().event.findUniqueOrThrow({ where: { token }, include: { deliveries: { orderBy: { id: 'asc' } } } });
  /** Fails every insert into audit_log while `run` runs. */
  const auditRefused = async <T>(run: () => Promise<T>, when = 'true'): Promise<T> => {
    await prisma().$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$
      BEGIN IF ${when} THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await prisma().$executeRawUnsafe(
      'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
    );
    try {
      return await run();
    } finally {
      await prisma().$executeRawUnsafe('DROP TRIGGER refuse_audit ON audit_log');
      await prisma().$executeRawUnsafe('DROP FUNCTION refuse_audit()');
    }
  };

  beforeAll(async () => {
    s = await startScenario(
      {
        ADMIN_TOKEN: `ops:${TOKEN}`,
        PRODUCT_DECIDE: 'accountCreated',
        PRODUCT_DECIDE_DEADLINE_MS: '600000',
        // A failed notify call waits a minute for its next attempt: a re-send must not.
        PRODUCT_NOTIFY_BACKOFF_MS: '60000',
      },
      { hooks },
    );
  });
  afterAll(() => s.close());
  afterEach(() => {
    decide = 'accept';
    notifyFails = false;
  });

  it('re-asking a failed event whose result never reached AppDirect runs it again, and says so', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    s.marketplace.resultFaults.push({ status: 400, times: 1 });
    const { token } = await s.post(orderEvent({ seats: 2 }));
    await eventually(async () => (await eventRow(token)).deliveries[0]?.status === 'failed');
    expect((await eventRow(token)).status).toBe('failed');

    const answer = await api(`/events/${token}/product-calls/reask`, { method: 'POST', body: {} });
    expect(answer).toEqual({ status: 202, body: { token, reask: 'rerun' } });
    await eventually(async () => (await eventRow(token)).deliveries.at(-1)?.status === 'delivered');
    expect((await eventRow(token)).status).toBe('succeeded');
    // The failure was never re-sent: AppDirect receives only the rerun's result.
    expect(s.marketplace.resultsFor(token).map((r) => r.body.success)).toEqual([true]);
    const row = await eventRow(token);
    expect(row.deliveries.map((d) => [d.status, d.attempts])).toEqual([
      ['failed', 1],
      ['delivered', 1],
    ]);
    expect((await auditOf(token)).map((a) => [a.actor, a.action])).toEqual([['ops', 'product_calls.reask.rerun']]);
  }, 60_000);

  it('re-asking an event whose answer AppDirect has needs force; a succeeded one is refused for what it is', async () => {
    const { accountIdentifier } = await s.send(orderEvent({ seats: 1 }));
    const refused = await s.send(assignEvent(accountIdentifier!));
    expect(refused.errorCode).toBe('MAX_USERS_REACHED');
    const unforced = await api(`/events/${refused.token}/product-calls/reask`, { method: 'POST', body: {} });
    expect(unforced).toMatchObject({ status: 409, body: { code: 'EVENT_RETRY_NEEDS_FORCE' } });
    expect((await eventRow(refused.token)).status).toBe('refused');
    expect(await auditOf(refused.token)).toEqual([]);
    const forced = await api(`/events/${refused.token}/product-calls/reask`, { method: 'POST', body: { force: true } });
    expect(forced).toEqual({ status: 202, body: { token: refused.token, reask: 'rerun', forced: true } });
    expect((await auditOf(refused.token)).map((a) => a.action)).toEqual(['product_calls.reask.rerun.forced']);

    const succeeded = await s.send(orderEvent());
    const notWaiting = await api(`/events/${succeeded.token}/product-calls/reask`, { method: 'POST', body: {} });
    expect(notWaiting).toMatchObject({ status: 409, body: { code: 'EVENT_NOT_REASKABLE' } });
    expect(notWaiting.body.message).toContain('succeeded');
    expect(notWaiting.body.message).not.toContain('retried');
  }, 60_000);

  it('re-sends an owed call now, not when its backoff ends', async () => {
    const { accountIdentifier } = await s.send(orderEvent({ seats: 5 }));
    notifyFails = true;
    const assigned = await s.send(assignEvent(accountIdentifier!));
    const call = await eventually(() =>
      prisma().hookCall.findFirst({ where: { eventToken: assigned.token, kind: 'userAssigned', attempts: { gt: 0 } } }),
    );
    await eventually(
      async () => (await s.subject.deps.producer.hooks.getJobState(jobIdForHookCall(call.id))) === 'delayed',
    );
    notifyFails = false;
    const answer = await api(`/events/${assigned.token}/product-calls/${call.id}/resend`, { method: 'POST', body: {} });
    expect(answer).toEqual({ status: 202, body: { token: assigned.token, id: call.id.toString(), resent: true } });
    await eventually(async () => (await prisma().hookCall.findUniqueOrThrow({ where: { id: call.id } })).done, 10_000);
    expect((await auditOf(`${assigned.token}#${call.id}`)).map((a) => a.action)).toEqual(['product_calls.resend']);
  }, 60_000);

  it('changes nothing when the audit row of a re-send or a re-ask cannot be written', async () => {
    const { accountIdentifier } = await s.send(orderEvent({ seats: 5 }));
    notifyFails = true;
    const assigned = await s.send(assignEvent(accountIdentifier!));
    const call = await eventually(() =>
      prisma().hookCall.findFirst({ where: { eventToken: assigned.token, kind: 'userAssigned', attempts: { gt: 0 } } }),
    );
    // As after its last attempt: no job left (the sweeper would start one).
    await eventually(
      async () => (await s.subject.deps.producer.hooks.getJobState(jobIdForHookCall(call.id))) === 'delayed',
    );
    await s.subject.deps.producer.hooks.remove(jobIdForHookCall(call.id));
    decide = 'pending';
    const { token: waiting } = await s.post(orderEvent());
    await eventually(async () => (await eventRow(waiting)).pendingSince !== null);

    await auditRefused(async () => {
      const resend = await api(`/events/${assigned.token}/product-calls/${call.id}/resend`, {
        method: 'POST',
        body: {},
      });
      expect(resend.status).toBe(500);
      expect(await s.subject.deps.producer.hooks.getJob(jobIdForHookCall(call.id))).toBeUndefined();
      const reask = await api(`/events/${waiting}/product-calls/reask`, { method: 'POST', body: {} });
      expect(reask.status).toBe(500);
      expect((await eventRow(waiting)).pendingSince).not.toBeNull();
    });
    expect(
      await prisma().auditLog.count({ where: { target: { in: [waiting, `${assigned.token}#${call.id}`] } } }),
    ).toBe(0);
    decide = 'accept';
    expect(await api(`/events/${waiting}/product-calls/reask`, { method: 'POST', body: {} })).toEqual({
      status: 202,
      body: { token: waiting, reask: 'reasked' },
    });
    await eventually(async () => (await eventRow(waiting)).status === 'succeeded');
  }, 60_000);

  it('answers what it did when the job cannot be enqueued after the change committed', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    const { token } = await s.send(orderEvent({ seats: 2 }));
    expect((await eventRow(token)).status).toBe('failed');
    await prisma().event.create({
      data: {
        token: 'unfinished-actions',
        eventUrl: `${s.marketplace.origin}/api/integration/v1/events/unfinished-actions`,
        marketplaceBaseUrl: s.marketplace.origin,
        status: 'received',
      },
    });
    // Redis answers PING but every enqueue fails: the sweeper enqueues such changes within seconds.
    const failing = new Proxy(s.subject.deps.producer, {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^(ensure|enqueue|promote)/.test(property))
          return () => Promise.reject(new Error('enqueue failed'));
        return Reflect.get(target, property, receiver) as unknown;
      },
    }) as Producer;
    const server: Server = createHttpServer(
      buildApp({ ...s.subject.deps, producer: failing }),
      s.subject.deps.logger,
    ).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await api(`/events/${token}/retry`, { method: 'POST', body: { force: true } }, base)).toEqual({
        status: 202,
        body: { token, retry: 'rerun', forced: true },
      });
      expect((await eventRow(token)).status).toBe('queued');
      expect(await api('/events/unfinished-actions/cancel', { method: 'POST', body: {} }, base)).toMatchObject({
        status: 202,
        body: { status: 'cancelled' },
      });
      expect((await eventRow('unfinished-actions')).status).toBe('cancelled');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await auditOf(token)).length).toBe(1);
    expect((await auditOf('unfinished-actions')).map((a) => a.action)).toEqual(['events.cancel']);
    // The real producer runs it: as the sweeper would.
    await s.subject.deps.producer.ensureEventJob(token);
    await eventually(async () => (await eventRow(token)).status === 'succeeded');
    expect(await s.subject.deps.producer.events.getJob(jobIdForToken('unfinished-actions'))).toBeUndefined();
  }, 60_000);

  it('says how far a bulk retry got when a later batch cannot be committed', async () => {
    const tokens = Array.from({ length: 201 }, (_, i) => `bulk-cut-${i}`);
    await prisma().event.createMany({
      data: tokens.map((token) => ({
        token,
        eventUrl: `${s.marketplace.origin}/api/integration/v1/events/${token}`,
        marketplaceBaseUrl: s.marketplace.origin,
        status: 'failed' as const,
        errorCode: 'BULK_CUT',
        finishedAt: new Date(),
      })),
    });
    const answer = await auditRefused(
      () => api('/events/retry', { method: 'POST', body: { errorCode: 'BULK_CUT' } }),
      `(NEW.filter->>'batch') = '2'`,
    );
    expect(answer).toMatchObject({
      status: 500,
      body: { code: 'BULK_RETRY_INTERRUPTED', details: { matched: 201, queued: 200 } },
    });
    expect(answer.body.message).toContain('200 of 201');
    expect(await prisma().event.count({ where: { errorCode: 'BULK_CUT', status: 'failed' } })).toBe(1);
  }, 60_000);
});
