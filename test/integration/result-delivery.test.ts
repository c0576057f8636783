import { orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

describe('result delivery', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(() => s.close());

  const deliveryOf = (token: string) =>
    s.subject.db.prisma.resultDelivery.findFirstOrThrow({
      where: { event: { token } },
      include: { attemptHistory: { orderBy: { id: 'asc' } } },
    });

  it('retries a result POST the marketplace answers with 5xx and 429 until it arrives, recording every attempt', async () => {
    s.marketplace.resultFaults.push({ status: 503, times: 2 }, { status: 429, times: 1 });
    const result = await s.send(orderEvent({ seats: 3 }));
    expect(result.success).toBe(true);
    const delivery = await eventually(async () => {
      const d = await deliveryOf(result.token);
      return d.status === 'delivered' ? d : null;
    });
    expect(delivery.attemptHistory.map((a) => a.httpStatus)).toEqual([503, 503, 429, 200]);
    expect(s.marketplace.resultsFor(result.token)).toHaveLength(1);
  });

  it('stops on a 4xx other than 429 and marks the delivery failed', async () => {
    s.marketplace.resultFaults.push({ status: 400, times: 1 });
    const { token } = await s.post(orderEvent());
    const delivery = await eventually(async () => {
      const d = await deliveryOf(token).catch(() => null);
      return d?.status === 'failed' ? d : null;
    });
    expect(delivery.attemptHistory).toHaveLength(1);
    expect(delivery.lastError).toContain('400');
  });

  it('delivers a result owed before a crash: the sweeper enqueues deliveries that have no job', async () => {
    const result = await s.send(orderEvent());
    // Simulate the crash window: the result row is committed but its job is gone.
    const event = await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token: result.token } });
    await s.subject.db.prisma
      .$executeRaw`UPDATE result_deliveries SET status = 'pending', "updatedAt" = now() - interval '2 minutes' WHERE "eventSeq" = ${event.seq}`;
    const before = s.marketplace.resultsFor(result.token).length;
    await s.stopWorkers();
    s.startWorkers(undefined, { sweepEveryMs: 100 });
    await eventually(async () => s.marketplace.resultsFor(result.token).length > before);
  });
});

describe('result delivery with RESULT_MAX_ATTEMPTS', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ RESULT_MAX_ATTEMPTS: '3' });
  });
  afterAll(() => s.close());

  it('POSTs a result at most RESULT_MAX_ATTEMPTS times in all, the first one inline included, then marks it failed', async () => {
    s.marketplace.resultFaults.push({ status: 503, times: 10 });
    const { token } = await s.post(orderEvent());
    const delivery = await eventually(async () => {
      const d = await s.subject.db.prisma.resultDelivery
        .findFirst({ where: { event: { token } }, include: { attemptHistory: true } })
        .catch(() => null);
      return d?.status === 'failed' ? d : null;
    });
    expect(delivery.attemptHistory.map((attempt) => attempt.httpStatus)).toEqual([503, 503, 503]);
    expect(delivery.attempts).toBe(3);
    // Nothing more goes out once it is failed (an operator may re-send it).
    const remaining = s.marketplace.resultFaults[0]!.times;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(s.marketplace.resultFaults[0]!.times).toBe(remaining);
    expect(remaining).toBe(7);
  });
});
