/**
 * Every event type, and every AppDirect code the workers produce, each provoked
 * by the condition that should produce it — end to end through the callback,
 * real BullMQ workers, PostgreSQL and the fake marketplace's result endpoint.
 */
import { notify } from '../../tools/fake-marketplace/notify';
import {
  accountEvent,
  assignEvent,
  changeEvent,
  noticeEvent,
  orderEvent,
  person,
  unassignEvent,
} from '../support/events';
import { refuseAccountsOf } from '../support/faults';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

describe('applying events', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(() => s.close());

  const order = async (seats?: number) => {
    const creator = person({ firstName: 'Dana' });
    const result = await s.send(orderEvent({ seats, creator }));
    expect(result).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^acct-/) });
    // Wait for the default provisioning hook, so later events do not wait (PENDING).
    await eventually(
      async () =>
        (await s.subject.db.prisma.account.findUnique({ where: { id: result.accountIdentifier! } }))
          ?.provisioningStatus === 'done',
    );
    return { accountId: result.accountIdentifier!, creator };
  };

  describe('SUBSCRIPTION_ORDER', () => {
    it('creates the account with the creator as owner holding a seat, and posts the accountIdentifier back', async () => {
      const creator = person();
      const result = await s.send(orderEvent({ seats: '10', creator }));
      const account = await s.subject.db.prisma.account.findUniqueOrThrow({
        where: { id: result.accountIdentifier! },
        include: { seats: { include: { user: true } } },
      });
      expect(account).toMatchObject({
        editionCode: 'PRO',
        pricingDuration: 'MONTHLY',
        maxUsers: 10,
        status: 'active',
        companyName: 'Customer Inc',
      });
      expect(account.seats).toHaveLength(1);
      expect(account.seats[0]).toMatchObject({ role: 'owner', user: { uuid: creator.uuid } });
      const row = await s.subject.db.prisma.event.findUniqueOrThrow({
        where: { token: result.token },
        include: { attemptHistory: true },
      });
      expect(row.status).toBe('succeeded');
      expect(row.accountId).toBe(account.id);
      await eventually(
        async () =>
          (await s.subject.db.prisma.resultDelivery.findFirst({ where: { eventSeq: row.seq, supersededAt: null } }))
            ?.status === 'delivered',
      );
      expect(row.attemptHistory.map((a) => a.outcome)).toEqual(['succeeded']);
    });

    it('has no seat limit without a USER item', async () => {
      const result = await s.send(orderEvent({}));
      expect(
        (await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: result.accountIdentifier! } })).maxUsers,
      ).toBeNull();
    });

    it('returns the existing accountIdentifier when the same company orders the same application again', async () => {
      const first = orderEvent({ seats: 5 });
      const again = { ...orderEvent({ seats: 5, creator: first.creator }), payload: first.payload };
      const a = await s.send(first);
      const b = await s.send(again);
      expect(b.accountIdentifier).toBe(a.accountIdentifier);
    });

    it('answers USER_ALREADY_EXISTS when the creator owns a different active account', async () => {
      const { creator } = await order(3);
      const result = await s.send(orderEvent({ creator }));
      expect(result).toMatchObject({ success: false, errorCode: 'USER_ALREADY_EXISTS' });
    });

    it('orders an add-on of an account (parentAccountIdentifier), and ACCOUNT_NOT_FOUND for an unknown parent', async () => {
      const { accountId } = await order(3);
      const { companyUuid } = await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
      const addon = (parent: string) => ({
        type: 'SUBSCRIPTION_ORDER',
        payload: {
          company: { uuid: companyUuid, name: 'Customer Inc' },
          account: { accountIdentifier: null, status: 'INITIALIZED', parentAccountIdentifier: parent },
          order: {
            editionCode: 'EXTRA-STORAGE',
            pricingDuration: 'MONTHLY',
            items: [{ unit: 'GIGABYTE', quantity: '50' }],
          },
        },
      });
      const ok = await s.send(addon(accountId));
      expect(ok).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^addon-/) });
      expect(await s.send(addon('acct-nope'))).toMatchObject({ success: false, errorCode: 'ACCOUNT_NOT_FOUND' });
      const cancel = await s.send(accountEvent('SUBSCRIPTION_CANCEL', ok.accountIdentifier!, {}));
      expect(cancel.success).toBe(true);
      expect(
        (await s.subject.db.prisma.addonInstance.findUniqueOrThrow({ where: { id: ok.accountIdentifier! } })).status,
      ).toBe('cancelled');
    });
  });

  describe('SUBSCRIPTION_CHANGE', () => {
    it('changes edition, seats and duration', async () => {
      const { accountId } = await order(5);
      expect(await s.send(changeEvent(accountId, 25))).toMatchObject({ success: true });
      expect(await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).toMatchObject({
        editionCode: 'ENTERPRISE',
        maxUsers: 25,
        pricingDuration: 'YEARLY',
      });
    });

    it('answers FORBIDDEN saying how many users to unassign when seats drop below the users assigned', async () => {
      const { accountId } = await order(5);
      await s.send(assignEvent(accountId));
      await s.send(assignEvent(accountId));
      const result = await s.send(changeEvent(accountId, 1));
      expect(result).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: '3 users are assigned but the new plan has 1 seat: unassign 2 users first.',
      });
      const { accountId: second } = await order(5);
      await s.send(assignEvent(second));
      expect(await s.send(changeEvent(second, 1))).toMatchObject({
        message: '2 users are assigned but the new plan has 1 seat: unassign 1 user first.',
      });
    });

    it('answers ACCOUNT_NOT_FOUND for an unknown account', async () => {
      expect(await s.send(changeEvent('acct-missing', 3))).toMatchObject({
        success: false,
        errorCode: 'ACCOUNT_NOT_FOUND',
      });
    });
  });

  describe('SUBSCRIPTION_CANCEL', () => {
    it('cancels the account keeping its data, and a repeat is a success', async () => {
      const { accountId } = await order(5);
      expect(await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId))).toMatchObject({ success: true });
      expect(await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId))).toMatchObject({
        success: true,
        message: 'The subscription was already cancelled.',
      });
      const account = await s.subject.db.prisma.account.findUniqueOrThrow({
        where: { id: accountId },
        include: { seats: true },
      });
      expect(account.status).toBe('cancelled');
      expect(account.seats).toHaveLength(1);
    });
  });

  describe('SUBSCRIPTION_NOTICE (answered synchronously)', () => {
    it('suspends, reactivates, records an upcoming invoice and closes', async () => {
      const { accountId } = await order(5);
      const status = async () =>
        (await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).status;
      expect(await s.send(noticeEvent(accountId, 'DEACTIVATED'))).toEqual(
        expect.objectContaining({ success: true, message: 'Subscription suspended.' }),
      );
      expect(await status()).toBe('suspended');
      expect(await s.send(noticeEvent(accountId, 'REACTIVATED'))).toMatchObject({ success: true });
      expect(await status()).toBe('active');
      expect(await s.send(noticeEvent(accountId, 'UPCOMING_INVOICE'))).toMatchObject({ success: true });
      expect(await status()).toBe('active');
      expect(await s.send(noticeEvent(accountId, 'CLOSED'))).toMatchObject({ success: true });
      expect(await status()).toBe('closed');
    });
  });

  describe('USER_ASSIGNMENT / USER_UNASSIGNMENT / USER_UPDATED', () => {
    it('assigns users up to the seat limit, then MAX_USERS_REACHED; a second assignment is USER_ALREADY_EXISTS', async () => {
      const { accountId } = await order(2);
      const pat = person();
      expect(await s.send(assignEvent(accountId, pat))).toMatchObject({ success: true, userIdentifier: pat.uuid });
      expect(await s.send(assignEvent(accountId, pat))).toMatchObject({
        success: false,
        errorCode: 'USER_ALREADY_EXISTS',
      });
      expect(await s.send(assignEvent(accountId))).toMatchObject({ success: false, errorCode: 'MAX_USERS_REACHED' });
    });

    it('says a one-seat subscription has its only seat taken, not "all 1 seats"', async () => {
      const { accountId } = await order(1);
      expect(await s.send(assignEvent(accountId))).toMatchObject({
        success: false,
        errorCode: 'MAX_USERS_REACHED',
        message: 'The only seat of this subscription is taken; buy more seats or unassign a user first.',
      });
    });

    it('keys users by AppDirect uuid, not e-mail', async () => {
      const { accountId } = await order(5);
      const first = person({ email: 'shared@customer.example' });
      const second = person({ email: 'shared@customer.example' });
      expect(await s.send(assignEvent(accountId, first))).toMatchObject({ success: true });
      expect(await s.send(assignEvent(accountId, second))).toMatchObject({ success: true });
    });

    it('answers FORBIDDEN for an assignment on a suspended account', async () => {
      const { accountId } = await order(5);
      await s.send(noticeEvent(accountId, 'DEACTIVATED'));
      expect(await s.send(assignEvent(accountId))).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
    });

    it('unassigns a user; USER_NOT_FOUND for one not assigned; UNAUTHORIZED for the owner', async () => {
      const { accountId, creator } = await order(5);
      const pat = person();
      await s.send(assignEvent(accountId, pat));
      expect(await s.send(unassignEvent(accountId, pat))).toMatchObject({ success: true });
      expect(await s.send(unassignEvent(accountId, pat))).toMatchObject({
        success: false,
        errorCode: 'USER_NOT_FOUND',
      });
      expect(await s.send(unassignEvent(accountId, creator))).toMatchObject({
        success: false,
        errorCode: 'UNAUTHORIZED',
      });
    });

    it('updates a known user; an unknown one is recorded and accepted (protocol reference §6)', async () => {
      const { accountId, creator } = await order(5);
      const updated = { ...creator, firstName: 'Danielle', email: 'danielle@customer.example' };
      expect(await s.send(accountEvent('USER_UPDATED', accountId, { user: updated }))).toMatchObject({
        success: true,
        message: 'Details updated.',
      });
      expect(
        await s.subject.db.prisma.user.findUniqueOrThrow({ where: { uuid: creator.uuid as string } }),
      ).toMatchObject({ firstName: 'Danielle', email: 'danielle@customer.example' });
      expect(await s.send(accountEvent('USER_UPDATED', accountId, { user: person() }))).toMatchObject({
        success: true,
        message: 'Details recorded (the user holds no seat here).',
      });
    });
  });

  describe('legacy ADDON_* events', () => {
    it('orders, binds, unbinds and cancels an add-on; BINDING_NOT_FOUND for an unknown binding', async () => {
      const { accountId } = await order(5);
      const ordered = await s.send(
        accountEvent('ADDON_ORDER', accountId, { order: { addonOfferingCode: 'BACKUP', items: [] } }),
      );
      expect(ordered).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^addon-/) });
      const addonInstance = { id: ordered.accountIdentifier };
      expect(
        await s.send(
          accountEvent('ADDON_CHANGE', accountId, {
            addonInstance,
            order: { addonOfferingCode: 'BACKUP-PLUS', items: [] },
          }),
        ),
      ).toMatchObject({ success: true });
      expect(
        await s.send(
          accountEvent('ADDON_BIND', accountId, { addonInstance, addonBinding: { id: 'binding-5' }, user: person() }),
        ),
      ).toMatchObject({ success: true });
      expect(
        await s.send(accountEvent('ADDON_UNBIND', accountId, { addonInstance, addonBinding: { id: 'binding-5' } })),
      ).toMatchObject({ success: true });
      expect(
        await s.send(accountEvent('ADDON_UNBIND', accountId, { addonInstance, addonBinding: { id: 'binding-404' } })),
      ).toMatchObject({ success: false, errorCode: 'BINDING_NOT_FOUND' });
      expect(await s.send(accountEvent('ADDON_CANCEL', accountId, { addonInstance }))).toMatchObject({ success: true });
    });
  });

  describe('events the service cannot apply', () => {
    it('answers CONFIGURATION_ERROR for an event type it does not handle', async () => {
      expect(await s.send(accountEvent('USER_SYNC', 'acct-x'))).toMatchObject({
        success: false,
        errorCode: 'CONFIGURATION_ERROR',
      });
    });

    it('answers INVALID_RESPONSE for an event failing the schema, naming the field', async () => {
      const bad = orderEvent();
      (bad.payload.order.items as unknown[]) = [{ unit: 'USER', quantity: 'ten' }];
      const result = await s.send(bad);
      expect(result).toMatchObject({ success: false, errorCode: 'INVALID_RESPONSE' });
      expect(result.message).toContain('payload.order.items.0.quantity');
    });

    it('answers INVALID_RESPONSE for an event that is not JSON', async () => {
      s.marketplace.fetchFaults.push({ malformed: true, times: 2 });
      expect(await s.send(orderEvent())).toMatchObject({ success: false, errorCode: 'INVALID_RESPONSE' });
    });

    it('answers TRANSPORT_ERROR when the event cannot be fetched after EVENT_MAX_ATTEMPTS', async () => {
      s.marketplace.fetchFaults.push({ status: 503, times: 4 });
      const result = await s.send(orderEvent());
      expect(result).toMatchObject({ success: false, errorCode: 'TRANSPORT_ERROR' });
      const row = await s.subject.db.prisma.event.findUniqueOrThrow({
        where: { token: result.token },
        include: { attemptHistory: { orderBy: { id: 'asc' } } },
      });
      expect(row.status).toBe('failed');
      expect(row.lastError).toContain('503');
      expect(row.attemptHistory.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
      expect(result.message).not.toContain('503'); // the operator sees the error, the user a safe text
    });

    it('answers UNKNOWN_ERROR when applying keeps failing for another reason', async () => {
      await refuseAccountsOf(
        s.subject.db.prisma,
        'Doomed Corp',
        'serialization_failure',
        'could not serialize access (test trigger)',
      );
      const doomed = orderEvent();
      doomed.payload.company.name = 'Doomed Corp';
      const result = await s.send(doomed);
      expect(result).toMatchObject({ success: false, errorCode: 'UNKNOWN_ERROR' });
      // PostgreSQL's own words reach the operator (the run sends its statements through pg, not Prisma).
      expect((await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token: result.token } })).lastError).toMatch(
        /could not serialize access \(test trigger\)/,
      );
    });
  });

  describe('metrics', () => {
    it('exposes event outcomes, queue depth, the oldest waiting event and failing deliveries', async () => {
      const { accountId } = await order(1);
      await s.send(noticeEvent(accountId, 'UPCOMING_INVOICE'));
      await s.send(assignEvent(accountId));
      const api = await fetch(`${s.serviceUrl}/metrics`).then((r) => r.text());
      expect(api).toMatch(/appdirect_events_total\{type="SUBSCRIPTION_NOTICE",code="SUCCESS",component="api"\} \d+/);
      expect(api).toMatch(/appdirect_queue_jobs\{queue="events",state="waiting",component="api"\} \d+/);
      expect(api).toMatch(/appdirect_oldest_waiting_event_age_seconds\{component="api"\} [\d.]+/);
      expect(api).toMatch(/appdirect_result_deliveries_failing\{status="failed",component="api"\} \d+/);
      expect(api).toMatch(
        /appdirect_http_requests_total\{method="GET",route="\/appdirect\/events",status="200",component="api"\}/,
      );
      const worker = await s.workers!.metrics.registry.metrics();
      expect(worker).toMatch(
        /appdirect_events_total\{type="USER_ASSIGNMENT",code="MAX_USERS_REACHED",component="worker"\} [1-9]/,
      );
      expect(worker).toMatch(/appdirect_last_event_consumed_timestamp_seconds\{component="worker"\} 1\d{9}/);
      expect(worker).toMatch(/appdirect_result_deliveries_total\{outcome="delivered",component="worker"\} [1-9]/);
    });
  });

  describe('duplicate notifications racing the workers', () => {
    it('never moves an event a worker already finished back to queued (applied once, one result)', async () => {
      const { token, eventUrl } = s.marketplace.addEvent(orderEvent());
      // The first notification's inline fetch is slow; a duplicate enqueues the event and a worker finishes it meanwhile.
      s.marketplace.fetchFaults.push({ delayMs: 400, status: 0, times: 1 });
      const first = notify(s.serviceUrl, eventUrl, s.auth);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await notify(s.serviceUrl, eventUrl, s.auth);
      await eventually(
        async () => (await s.subject.db.prisma.event.findUnique({ where: { token } }))?.status === 'succeeded',
      );
      expect((await first).status).toBe(202);
      const row = await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
      expect(row.status).toBe('succeeded');
      expect(row.accountId).toMatch(/^acct-/);
      expect(await s.subject.db.prisma.account.count({ where: { createdByEventToken: token } })).toBe(1);
      await eventually(async () => s.marketplace.resultsFor(token).length === 1);
    });
  });

  describe('flags', () => {
    it('applies a DEVELOPMENT event for real and tells the hooks', async () => {
      const result = await s.send(orderEvent({ flag: 'DEVELOPMENT' }));
      const account = await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: result.accountIdentifier! } });
      expect(account.development).toBe(true);
      const hook = await eventually(() =>
        s.subject.db.prisma.hookCall.findFirst({
          where: { accountId: account.id, kind: 'accountCreated', done: true },
        }),
      );
      expect(hook.development).toBe(true);
      // The product is told in the call itself (the contract's `development`).
      expect(hook.args).toMatchObject({ type: 'accountCreated', development: true, accountIdentifier: account.id });
    });
  });
});
