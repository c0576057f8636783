import type { ProductCall } from '../../src/hooks/contract';
import { assignEvent, orderEvent, person, unassignEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

describe('per-account ordering', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ WORKER_CONCURRENCY: '16' }, { workers: false });
  });
  afterAll(() => s.close());

  it('applies the events of one account one at a time in arrival order, while accounts run in parallel', async () => {
    s.startWorkers();
    const accounts: string[] = [];
    for (let i = 0; i < 3; i += 1) accounts.push((await s.send(orderEvent({ seats: 100 }))).accountIdentifier!);
    await eventually(
      async () => (await s.subject.db.prisma.account.count({ where: { provisioningStatus: 'done' } })) === 3,
    );
    await s.stopWorkers();

    // Queue, with no worker running, assign -> unassign -> assign for many users:
    // applied out of order, an unassignment would meet no seat (USER_NOT_FOUND)
    // or an assignment a seat still held (USER_ALREADY_EXISTS).
    const sequences: Array<{ tokens: string[] }> = [];
    for (const accountId of accounts) {
      for (let u = 0; u < 8; u += 1) {
        const user = person();
        const tokens: string[] = [];
        for (const document of [
          assignEvent(accountId, user),
          unassignEvent(accountId, user),
          assignEvent(accountId, user),
        ]) {
          const { token, status } = await s.post(document);
          expect(status).toBe(202);
          tokens.push(token);
        }
        sequences.push({ tokens });
      }
    }
    s.startWorkers();
    for (const { tokens } of sequences) {
      for (const token of tokens) expect(await s.resultOf(token, 30_000)).toMatchObject({ success: true });
    }
    const finished = await s.subject.db.prisma.event.findMany({
      where: { token: { in: sequences.flatMap((x) => x.tokens) } },
      select: { seq: true, accountId: true, finishedAt: true },
      orderBy: { seq: 'asc' },
    });
    for (const accountId of accounts) {
      const times = finished.filter((e) => e.accountId === accountId).map((e) => e.finishedAt!.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  }, 60_000);
});

describe('PENDING while an account is being provisioned', () => {
  let s: Scenario;
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const failing = new Set<string>();

  beforeAll(async () => {
    s = await startScenario(
      { PENDING_WAIT_MS: '1500' },
      {
        hooks: {
          accountCreated: async (call: ProductCall<'accountCreated'>) => {
            if (failing.has(call.data.company.name)) throw new Error('the product is down');
            await gate;
          },
        },
      },
    );
  });
  afterAll(() => s.close());

  it('makes later events of the account wait for the provisioning hook, then applies them', async () => {
    const accountId = (await s.send(orderEvent({ seats: 5 }))).accountIdentifier!;
    const { token } = await s.post(assignEvent(accountId));
    await eventually(async () => (await s.subject.db.prisma.event.findUnique({ where: { token } }))?.pendingSince);
    expect(s.marketplace.resultsFor(token)).toEqual([]);
    release();
    expect(await s.resultOf(token)).toMatchObject({ success: true });
    gate = new Promise<void>((resolve) => (release = resolve));
    release();
  });

  it('reports PENDING when provisioning does not finish within PENDING_WAIT_MS', async () => {
    const doc = orderEvent({ seats: 5 });
    doc.payload.company.name = 'Never Ready Ltd';
    failing.add('Never Ready Ltd');
    const accountId = (await s.send(doc)).accountIdentifier!;
    const result = await s.send(assignEvent(accountId));
    expect(result).toMatchObject({ success: false, errorCode: 'PENDING' });
    const attempts = await s.subject.db.prisma.eventAttempt.findMany({ where: { event: { token: result.token } } });
    expect(attempts.some((a) => a.outcome === 'deferred')).toBe(true);
  });
});
