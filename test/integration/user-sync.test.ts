/**
 * Issue #27, user sync: users the product adds or removes itself are told to AppDirect (the SDK's
 * UserSyncRequestPayload to /api/sync/v1/tasks) once, and our seat table changes in the same transaction —
 * through a full account: seats taken and freed, MAX_USERS_REACHED when none is free, the owner kept, the same
 * key twice one sync, and the account's reports delivered in order with its usage.
 */
import { orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'user-sync-product-token-0123456789';

describe('user sync', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ PRODUCT_API_TOKENS: TOKEN, RESULT_BACKOFF_MS: '20' });
  });
  afterAll(() => s.close());

  const post = async (path: string, key: string, body: unknown) => {
    const response = await fetch(`${s.serviceUrl}/product/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const sync = (account: string, key: string, operation: 'assign' | 'unassign', externalId: string) =>
    post(`/accounts/${account}/user-sync`, key, {
      operation,
      user: { externalId, email: `${externalId}@customer.example`, firstName: 'Jo' },
    });
  const seatedEmails = async (account: string) =>
    (await s.subject.db.prisma.seat.findMany({ where: { accountId: account }, include: { user: true } }))
      .map((seat) => seat.user.email)
      .sort();
  const allDelivered = (account: string, count: number) =>
    eventually(async () => {
      const reports = await s.subject.db.prisma.marketplaceReport.findMany({ where: { accountId: account } });
      return reports.length === count && reports.every((r) => r.status === 'delivered');
    }, 20_000);

  it('takes and frees seats as the product says, tells AppDirect each once, and refuses past the seats', async () => {
    const order = orderEvent({ seats: 2 });
    const account = (await s.send(order)).accountIdentifier!;
    const ownerEmail = (order.creator as { email: string }).email;

    const first = await sync(account, 'sync-ann-1', 'assign', 'ann');
    expect(first.status).toBe(202);
    // Committed with the answer: the seat is taken already.
    expect(await seatedEmails(account)).toEqual([ownerEmail, 'ann@customer.example'].sort());
    expect(await sync(account, 'sync-ann-1', 'assign', 'ann')).toEqual({ ...first, replayed: 'true' });

    const full = await sync(account, 'sync-bob-1', 'assign', 'bob');
    expect([full.status, full.body.code]).toEqual([409, 'MAX_USERS_REACHED']);
    const twice = await sync(account, 'sync-ann-2', 'assign', 'ann');
    expect([twice.status, twice.body.code]).toEqual([409, 'PRODUCT_USER_ALREADY_ASSIGNED']);
    const stranger = await sync(account, 'sync-zed-1', 'unassign', 'zed');
    expect([stranger.status, stranger.body.code]).toEqual([404, 'PRODUCT_USER_NOT_FOUND']);

    expect((await sync(account, 'sync-ann-3', 'unassign', 'ann')).status).toBe(202);
    expect(await seatedEmails(account)).toEqual([ownerEmail]);
    expect((await sync(account, 'sync-bob-2', 'assign', 'bob')).status).toBe(202);
    expect(await seatedEmails(account)).toEqual([ownerEmail, 'bob@customer.example'].sort());
    // Refusals stored nothing: three syncs, each delivered once, in the order they were taken.
    await allDelivered(account, 3);
    const received = s.marketplace.userSyncsOf(account).map((task) => task.body);
    expect(received).toEqual([
      {
        type: 'ASSIGNMENT',
        operation: 'ASSIGN',
        accountIdentifier: account,
        developerIdentifier: 'ann',
        userName: 'ann@customer.example',
        firstName: 'Jo',
        email: 'ann@customer.example',
      },
      expect.objectContaining({ operation: 'UNASSIGN', developerIdentifier: 'ann' }),
      expect.objectContaining({ operation: 'ASSIGN', developerIdentifier: 'bob' }),
    ]);
  });

  it('keeps the owner, and delivers an account usage and user syncs in the order they were taken across a 503', async () => {
    const order = orderEvent({ seats: 5 });
    const account = (await s.send(order)).accountIdentifier!;
    const owner = order.creator as { uuid: string; email: string };
    const kept = await post(`/accounts/${account}/user-sync`, 'sync-owner', {
      operation: 'unassign',
      user: { externalId: 'owner', appdirectUuid: owner.uuid, email: owner.email },
    });
    expect([kept.status, kept.body.code]).toEqual([409, 'PRODUCT_OWNER_NOT_UNASSIGNABLE']);

    s.marketplace.syncFaults.push({ status: 503, times: 2, accountIdentifier: account });
    expect((await sync(account, 'mixed-1', 'assign', 'cy')).status).toBe(202);
    const usage = await post(`/accounts/${account}/usage`, 'mixed-2', {
      items: [{ unit: 'UNIT', quantity: '1' }],
      currency: 'USD',
      date: '2026-12-01T00:00:00Z',
    });
    expect(usage.status).toBe(202);
    await allDelivered(account, 2);
    const syncAt = s.marketplace.userSyncsOf(account)[0]!.at;
    const usageAt = s.marketplace.usageOf(account)[0]!.at;
    expect(syncAt).toBeLessThanOrEqual(usageAt);
    const attempts = await s.subject.db.prisma.marketplaceReportAttempt.findMany({
      where: { report: { idempotencyKey: 'mixed-1' } },
      orderBy: { id: 'asc' },
    });
    expect(attempts.map((a) => [a.target, a.httpStatus])).toEqual([
      ['user_sync', 503],
      ['user_sync', 503],
      ['user_sync', 201],
    ]);
  });
});
