/**
 * The in-process transport deciding: a typed module's return value is the result, and a notice's decision
 * respects the synchronous answer's time budget (answered PENDING in time, decided by a worker after).
 */
import type { ProvisioningHooks } from '../../src/hooks';
import { notify } from '../../tools/fake-marketplace/notify';
import { noticeEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const BUDGET_MS = 1500;
/** Scheduling slack on a loaded 2-core machine; the service's own budget is what is tested. */
const SLACK_MS = 400;

describe('deciding through the in-process module', () => {
  let s: Scenario;
  let suspension: 'refuse' | 'slow' | 'accept' = 'accept';
  const asked: string[] = [];
  const hooks: ProvisioningHooks = {
    async accountSuspended(call, { idempotencyKey }) {
      asked.push(idempotencyKey);
      if (suspension === 'refuse')
        return {
          decision: 'refuse',
          errorCode: 'FORBIDDEN',
          message: `Workspace ${call.data.accountIdentifier} has a legal hold.`,
        };
      if (suspension === 'slow') await new Promise((resolve) => setTimeout(resolve, BUDGET_MS * 2));
      return { decision: 'accept', message: 'Workspace frozen.' };
    },
  };

  beforeAll(async () => {
    s = await startScenario(
      {
        SYNC_ANSWER_BUDGET_MS: String(BUDGET_MS),
        PRODUCT_DECIDE: 'accountSuspended',
        PRODUCT_CALL_TIMEOUT_MS: '10000',
      },
      { hooks },
    );
  });
  afterAll(() => s.close());

  const status = async (accountId: string) =>
    (await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).status;
  const newAccount = async () => {
    const { accountIdentifier } = await s.send(orderEvent({ seats: 5 }));
    await eventually(
      async () =>
        (await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: accountIdentifier! } }))
          .provisioningStatus === 'done',
    );
    return accountIdentifier!;
  };
  const sendNotice = async (accountId: string) => {
    const { token, eventUrl } = s.marketplace.addEvent(noticeEvent(accountId, 'DEACTIVATED'));
    const started = Date.now();
    const answer = await notify(s.serviceUrl, eventUrl, s.auth);
    return { token, answer, elapsedMs: Date.now() - started };
  };

  it("answers a notice with the module's refusal; the account is unchanged", async () => {
    const accountId = await newAccount();
    suspension = 'refuse';
    const { answer } = await sendNotice(accountId);
    expect(answer).toEqual({
      status: 200,
      body: { success: false, errorCode: 'FORBIDDEN', message: `Workspace ${accountId} has a legal hold.` },
    });
    expect(await status(accountId)).toBe('active');
  });

  it("answers with the module's acceptance and message", async () => {
    const accountId = await newAccount();
    suspension = 'accept';
    const { token, answer } = await sendNotice(accountId);
    expect(answer).toEqual({ status: 200, body: { success: true, message: 'Workspace frozen.' } });
    expect(await status(accountId)).toBe('suspended');
    expect(asked).toContain(`decide_${token}_accountSuspended`);
  });

  it("hands a synchronously answered notice's notify calls to the workers at once", async () => {
    const accountId = await newAccount();
    suspension = 'accept';
    await sendNotice(accountId);
    const { eventUrl } = s.marketplace.addEvent(noticeEvent(accountId, 'REACTIVATED'));
    expect(await notify(s.serviceUrl, eventUrl, s.auth)).toMatchObject({ status: 200, body: { success: true } });
    // No sweeper runs in this test: only the API's hand-over gets the call made.
    await eventually(() =>
      s.subject.db.prisma.hookCall.findFirst({ where: { accountId, kind: 'accountReactivated', done: true } }),
    );
  });

  it('answers PENDING within the budget when the module is slower, then decides the notice in a worker', async () => {
    const accountId = await newAccount();
    suspension = 'slow';
    const { token, answer, elapsedMs } = await sendNotice(accountId);
    expect(answer).toMatchObject({ status: 200, body: { success: false, errorCode: 'PENDING' } });
    expect(elapsedMs).toBeLessThan(BUDGET_MS + SLACK_MS);
    // The worker asks again (same key) with the whole call timeout, and applies the acceptance.
    await eventually(async () => (await status(accountId)) === 'suspended', 30_000);
    expect(asked.filter((key) => key === `decide_${token}_accountSuspended`).length).toBeGreaterThanOrEqual(2);
    expect(await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } })).toMatchObject({
      status: 'succeeded',
    });
  }, 60_000);
});
