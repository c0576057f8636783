import SwaggerParser from '@apidevtools/swagger-parser';
import { changeEvent, orderEvent, person, assignEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const OPS = 'ops-token-0123456789abcdef0123456789';
const ONCALL = 'oncall-token-0123456789abcdef0123456789';

describe('admin API', () => {
  let s: Scenario;
  // Assertions read arbitrary JSON shapes (toMatchObject checks them), hence the loose body type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = OPS, ...rest } = init;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
    };
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(`${s.serviceUrl}/admin/api${path}`, { ...rest, headers }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as Json,
    }));
  };
  const audit = () => s.subject.db.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${OPS},oncall:${ONCALL}` });
  });
  afterAll(() => s.close());

  it('mounts bull-board at /admin/queues behind the same authentication', async () => {
    const denied = await fetch(`${s.serviceUrl}/admin/queues/api/queues`, { headers: { accept: 'application/json' } });
    expect(denied.status).toBe(401);
    const board = await fetch(`${s.serviceUrl}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${OPS}`, accept: 'application/json' },
    });
    expect(board.status).toBe(200);
    const names = ((await board.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['events', 'hooks', 'reports', 'results']);
  });

  it('serves a valid OpenAPI document', async () => {
    const res = await fetch(`${s.serviceUrl}/admin/api/openapi.json`);
    const document = (await res.json()) as { paths: Record<string, unknown> };
    await expect(
      SwaggerParser.validate(structuredClone(document) as unknown as Parameters<typeof SwaggerParser.validate>[0]),
    ).resolves.toBeDefined();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/events',
        '/events/{token}',
        '/events/{token}/retry',
        '/events/retry',
        '/events/{token}/cancel',
        '/accounts',
        '/accounts/{accountIdentifier}',
      ]),
    );
  });

  it('answers 401 without a token or with a wrong one', async () => {
    expect((await api('/events', { token: null })).body.code).toBe('ADMIN_TOKEN_INVALID');
    const wrong = await api('/events', { token: 'not-a-real-token-at-all' });
    expect(wrong.status).toBe(401);
  });

  it('lists events with filters and a cursor that stays stable when new events arrive', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i += 1) tokens.push((await s.send(orderEvent({ seats: 2 }))).token);
    const first = await api('/events?type=SUBSCRIPTION_ORDER&status=succeeded&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({
      token: tokens[4],
      type: 'SUBSCRIPTION_ORDER',
      status: 'succeeded',
      companyName: 'Customer Inc',
      attempts: 1,
    });
    await s.send(orderEvent()); // arrives between two pages
    const second = await api(
      `/events?type=SUBSCRIPTION_ORDER&status=succeeded&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((i: { token: string }) => i.token)).toEqual([tokens[2], tokens[1]]);
  });

  it.each([
    ['status=bogus', 'status'],
    ['from=yesterday', 'from'],
    ['limit=0', 'limit'],
    ['colour=blue', 'colour'],
    ['cursor=%21%21', 'cursor'],
  ])('answers 400 naming the bad filter for %s', async (query, field) => {
    const res = await api(`/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PARAMETER_INVALID');
    expect(res.body.message).toContain(`'${field}'`);
  });

  it('shows an event with its attempt timeline and result delivery, 404 for an unknown token', async () => {
    const { token } = await s.send(orderEvent());
    await eventually(async () => (await api(`/events/${token}`)).body.resultDelivery?.status === 'delivered');
    const detail = (await api(`/events/${token}`)).body;
    expect(detail).toMatchObject({ token, status: 'succeeded', type: 'SUBSCRIPTION_ORDER', result: { success: true } });
    expect(detail.payload.type).toBe('SUBSCRIPTION_ORDER');
    expect(detail.timeline).toHaveLength(1);
    expect(detail.resultDelivery.timeline[0].httpStatus).toBe(200);
    expect((await api('/events/no-such-token')).status).toBe(404);
  });

  it('refuses to retry a succeeded event with 409', async () => {
    const { token } = await s.send(orderEvent());
    const res = await api(`/events/${token}/retry`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('EVENT_NOT_RETRYABLE');
  });

  it('runs a failed event again from the fetch, writing the audit log', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    const failed = await s.send(orderEvent({ seats: 3 }));
    expect(failed.errorCode).toBe('TRANSPORT_ERROR');
    // AppDirect already received TRANSPORT_ERROR: running it again needs the operator's confirmation.
    const refused = await api(`/events/${failed.token}/retry`, { method: 'POST', token: ONCALL });
    expect(refused).toMatchObject({ status: 409, body: { code: 'EVENT_RETRY_NEEDS_FORCE' } });
    expect((await api(`/events/${failed.token}`)).body.status).toBe('failed');
    const res = await api(`/events/${failed.token}/retry`, {
      method: 'POST',
      token: ONCALL,
      body: JSON.stringify({ force: true }),
    });
    expect(res).toEqual({ status: 202, body: { token: failed.token, retry: 'rerun', forced: true } });
    await eventually(async () => s.marketplace.resultsFor(failed.token).some((r) => r.body.success === true));
    const event = (await api(`/events/${failed.token}`)).body;
    expect(event.status).toBe('succeeded');
    expect(event.timeline.map((a: { outcome: string }) => a.outcome)).toEqual([
      'retrying',
      'retrying',
      'failed',
      'succeeded',
    ]);
    expect((await audit()).at(-1)).toMatchObject({
      actor: 'oncall',
      action: 'events.retry.rerun.forced',
      target: failed.token,
      count: 1,
    });
    // The first run's result (TRANSPORT_ERROR) and its delivery are kept, superseded by the rerun's.
    expect(event.resultDelivery).toMatchObject({ status: 'delivered', supersededAt: null, body: { success: true } });
    expect(event.earlierDeliveries).toHaveLength(1);
    expect(event.earlierDeliveries[0]).toMatchObject({
      status: 'delivered',
      body: { success: false, errorCode: 'TRANSPORT_ERROR' },
    });
    expect(event.earlierDeliveries[0].supersededAt).not.toBeNull();
    expect(event.earlierDeliveries[0].timeline).toHaveLength(1);
  });

  it('re-sends only the result when its delivery failed', async () => {
    s.marketplace.resultFaults.push({ status: 400, times: 1 });
    const { token } = await s.post(orderEvent());
    await eventually(async () => (await api(`/events/${token}`)).body.resultDelivery?.status === 'failed');
    const res = await api(`/events/${token}/retry`, { method: 'POST' });
    expect(res.body.retry).toBe('resend_result');
    await eventually(async () => (await api(`/events/${token}`)).body.resultDelivery?.status === 'delivered');
    expect((await api(`/events/${token}`)).body.timeline).toHaveLength(1); // not applied again
  });

  it('bulk-retries by filter: the dry run counts, the real run queues the same number', async () => {
    const accountId = (await s.send(orderEvent({ seats: 1 }))).accountIdentifier!;
    for (let i = 0; i < 3; i += 1)
      expect((await s.send(assignEvent(accountId, person()))).errorCode).toBe('MAX_USERS_REACHED');
    const filter = { accountIdentifier: accountId, errorCode: 'MAX_USERS_REACHED' };
    const dry = await api('/events/retry', { method: 'POST', body: JSON.stringify({ ...filter, dryRun: true }) });
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, matched: 3, queued: 0 } });
    await s.send(changeEvent(accountId, 10)); // the cause is fixed: more seats
    // AppDirect received MAX_USERS_REACHED for each: without force they are skipped, and counted.
    const unforced = await api('/events/retry', { method: 'POST', body: JSON.stringify(filter) });
    expect(unforced).toMatchObject({ status: 202, body: { dryRun: false, matched: 3, queued: 0, needsForce: 3 } });
    const real = await api('/events/retry', { method: 'POST', body: JSON.stringify({ ...filter, force: true }) });
    expect(real).toMatchObject({ status: 202, body: { dryRun: false, matched: 3, queued: 3, needsForce: 0 } });
    await eventually(async () => (await s.subject.db.prisma.seat.count({ where: { accountId } })) === 4);
    expect((await audit()).at(-1)).toMatchObject({
      actor: 'ops',
      action: 'events.bulk_retry.forced',
      count: 3,
      filter: { ...filter, batch: 1 },
    });
  });

  it('answers 422 for a bulk retry with invalid fields', async () => {
    const res = await api('/events/retry', {
      method: 'POST',
      body: JSON.stringify({ status: 'sideways', dryRun: 'yes' }),
    });
    expect(res.status).toBe(422);
    expect(res.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['dryRun', 'status']);
  });

  it('cancels an unfinished event and reports OPERATION_CANCELLED to the marketplace', async () => {
    await s.stopWorkers();
    const { token } = await s.post(orderEvent());
    const res = await api(`/events/${token}/cancel`, { method: 'POST' });
    expect(res).toEqual({ status: 202, body: { token, status: 'cancelled', reported: 'OPERATION_CANCELLED' } });
    s.startWorkers();
    expect(await s.resultOf(token)).toMatchObject({ success: false, errorCode: 'OPERATION_CANCELLED' });
    expect((await api(`/events/${token}`)).body.status).toBe('cancelled');
    expect(await s.subject.db.prisma.account.count({ where: { createdByEventToken: token } })).toBe(0);
    const again = await api(`/events/${token}/cancel`, { method: 'POST' });
    expect(again.body.code).toBe('EVENT_NOT_CANCELLABLE');
    expect((await audit()).at(-1)).toMatchObject({ action: 'events.cancel', target: token });
  });

  it('shows an account with its users, and finds accounts by company name or user e-mail', async () => {
    const owner = person({ email: 'owner@findme.example', firstName: 'Fay', lastName: 'Owner' });
    const { accountIdentifier } = await s.send(orderEvent({ seats: 4, creator: owner }));
    const detail = await api(`/accounts/${accountIdentifier}`);
    expect(detail.body).toMatchObject({
      accountIdentifier,
      status: 'active',
      editionCode: 'PRO',
      pricingDuration: 'MONTHLY',
      maxUsers: 4,
      users: [{ uuid: owner.uuid, email: 'owner@findme.example', name: 'Fay Owner', role: 'owner' }],
    });
    expect(detail.body.events[0].type).toBe('SUBSCRIPTION_ORDER');
    const byEmail = await api('/accounts?search=owner%40findme.example');
    expect(byEmail.body.items.map((a: { accountIdentifier: string }) => a.accountIdentifier)).toEqual([
      accountIdentifier,
    ]);
    expect((await api('/accounts?search=customer')).body.items.length).toBeGreaterThan(0);
    expect((await api('/accounts/acct-missing')).body.code).toBe('ADMIN_ACCOUNT_NOT_FOUND');
    expect((await api('/accounts')).status).toBe(400);
  });
});
