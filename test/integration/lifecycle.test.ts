/**
 * Real subscription lifecycles (issue #11): re-subscription after a cancel, a company buying a second
 * product, ping tests with sparse documents, add-ons bound to the right account, and bad data that can
 * never be stored ending at once as INVALID_RESPONSE — end to end through the callback, real workers,
 * PostgreSQL and the fake marketplace.
 */
import { randomUUID } from 'node:crypto';
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

describe('subscription lifecycle', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(() => s.close());

  const provisioned = (accountId: string) =>
    eventually(
      async () =>
        (await s.subject.db.prisma.account.findUnique({ where: { id: accountId } }))?.provisioningStatus === 'done',
    );
  const order = async (options: Parameters<typeof orderEvent>[0] = {}) => {
    const document = orderEvent({ seats: 5, ...options });
    const result = await s.send(document);
    expect(result).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^acct-/) });
    await provisioned(result.accountIdentifier!);
    return { accountId: result.accountIdentifier!, document };
  };
  const account = (id: string) => s.subject.db.prisma.account.findUniqueOrThrow({ where: { id } });

  describe('re-subscription', () => {
    it.each(['cancelled', 'closed'])(
      'a new ORDER of a company whose account is %s creates a new active account with the new order; the old one keeps its history',
      async (endState) => {
        const companyUuid = randomUUID();
        const { accountId: old } = await order({ companyUuid, seats: 3 });
        await s.send(assignEvent(old));
        expect(await s.send(accountEvent('SUBSCRIPTION_CANCEL', old))).toMatchObject({ success: true });
        if (endState === 'closed') expect(await s.send(noticeEvent(old, 'CLOSED'))).toMatchObject({ success: true });

        const again = orderEvent({ companyUuid, seats: 12, creator: person({ firstName: 'New', lastName: 'Buyer' }) });
        again.payload.order.editionCode = 'ENTERPRISE';
        const result = await s.send(again);
        expect(result).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^acct-/) });
        expect(result.accountIdentifier).not.toBe(old);
        expect(await account(result.accountIdentifier!)).toMatchObject({
          status: 'active',
          editionCode: 'ENTERPRISE',
          maxUsers: 12,
        });
        await provisioned(result.accountIdentifier!);
        // Assignments on the new account work; the old account and its events are still there.
        expect(await s.send(assignEvent(result.accountIdentifier!))).toMatchObject({ success: true });
        expect((await account(old)).status).toBe(endState);
        expect(await s.subject.db.prisma.event.count({ where: { accountId: old } })).toBeGreaterThanOrEqual(3);
      },
    );

    it('returns the live account when the same company orders the same product again (suspended counts as live)', async () => {
      const { accountId, document } = await order();
      await s.send(noticeEvent(accountId, 'DEACTIVATED'));
      const again = await s.send({ ...orderEvent({ creator: document.creator }), payload: document.payload });
      expect(again).toMatchObject({ success: true, accountIdentifier: accountId });
    });
  });

  describe('state rules', () => {
    it('refuses REACTIVATED on a cancelled or closed account, naming the state; the account stays as it is', async () => {
      const { accountId } = await order();
      await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId));
      const reactivated = await s.send(noticeEvent(accountId, 'REACTIVATED'));
      expect(reactivated).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
      expect(reactivated.message).toContain('cancelled');
      expect((await account(accountId)).status).toBe('cancelled');
      await s.send(noticeEvent(accountId, 'CLOSED'));
      expect(await s.send(noticeEvent(accountId, 'REACTIVATED'))).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: expect.stringContaining('closed'),
      });
      expect((await account(accountId)).status).toBe('closed');
    });

    it('keeps a closed account closed when CANCEL comes after CLOSED', async () => {
      const { accountId } = await order();
      await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId));
      await s.send(noticeEvent(accountId, 'CLOSED'));
      expect(await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId))).toMatchObject({ success: true });
      expect((await account(accountId)).status).toBe('closed');
    });

    it('refuses assignments on a cancelled account and changes on a closed one, naming the state', async () => {
      const { accountId } = await order();
      await s.send(accountEvent('SUBSCRIPTION_CANCEL', accountId));
      expect(await s.send(assignEvent(accountId))).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: expect.stringContaining('cancelled'),
      });
      await s.send(noticeEvent(accountId, 'CLOSED'));
      expect(await s.send(changeEvent(accountId, 9))).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: expect.stringContaining('closed'),
      });
    });

    it('lets a suspended account unassign users but not assign them', async () => {
      const { accountId } = await order();
      const pat = person();
      await s.send(assignEvent(accountId, pat));
      await s.send(noticeEvent(accountId, 'DEACTIVATED'));
      expect(await s.send(assignEvent(accountId))).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: expect.stringContaining('suspended'),
      });
      expect(await s.send(unassignEvent(accountId, pat))).toMatchObject({ success: true });
    });
  });

  describe('SUBSCRIPTION_CHANGE keeps what it does not state', () => {
    it('keeps the seat limit and order lines when the change carries no order, or no USER item', async () => {
      const { accountId } = await order({ seats: 7 });
      const noOrder = accountEvent('SUBSCRIPTION_CHANGE', accountId, {});
      expect(await s.send(noOrder)).toMatchObject({ success: true });
      expect(await account(accountId)).toMatchObject({
        maxUsers: 7,
        editionCode: 'PRO',
        pricingDuration: 'MONTHLY',
        orderItems: [{ unit: 'USER', quantity: 7 }],
      });

      const storageOnly = accountEvent('SUBSCRIPTION_CHANGE', accountId, {
        order: { editionCode: 'PRO-PLUS', items: [{ unit: 'GIGABYTE', quantity: 50 }] },
      });
      expect(await s.send(storageOnly)).toMatchObject({ success: true });
      const changed = await account(accountId);
      expect(changed).toMatchObject({ maxUsers: 7, editionCode: 'PRO-PLUS', pricingDuration: 'MONTHLY' });
      expect(changed.orderItems).toEqual([
        { unit: 'USER', quantity: 7 },
        { unit: 'GIGABYTE', quantity: 50 },
      ]);

      expect(await s.send(changeEvent(accountId, 9, 'PRO-PLUS'))).toMatchObject({ success: true });
      expect(await account(accountId)).toMatchObject({
        maxUsers: 9,
        orderItems: [
          { unit: 'USER', quantity: 9 },
          { unit: 'GIGABYTE', quantity: 50 },
        ],
      });
    });
  });

  describe('SUBSCRIPTION_ORDER and USER_ALREADY_EXISTS', () => {
    it('lets a company (and its buyer) buy two different products', async () => {
      const creator = person();
      const companyUuid = randomUUID();
      const first = await s.send(orderEvent({ creator, companyUuid, applicationUuid: randomUUID() }));
      const second = await s.send(orderEvent({ creator, companyUuid, applicationUuid: randomUUID() }));
      expect(first).toMatchObject({ success: true });
      expect(second).toMatchObject({ success: true });
      expect(second.accountIdentifier).not.toBe(first.accountIdentifier);
    });

    it('answers USER_ALREADY_EXISTS only when the buyer already owns this same product for another company', async () => {
      const creator = person();
      const applicationUuid = randomUUID();
      await order({ creator, applicationUuid });
      expect(await s.send(orderEvent({ creator, applicationUuid }))).toMatchObject({
        success: false,
        errorCode: 'USER_ALREADY_EXISTS',
      });
    });
  });

  describe('ping tests (flag STATELESS)', () => {
    it.each([
      [
        'a creator without an e-mail',
        (d: ReturnType<typeof orderEvent>) => delete (d.creator as Record<string, unknown>).email,
      ],
      [
        'a quantity that is not a number',
        (d: ReturnType<typeof orderEvent>) =>
          ((d.payload.order.items as unknown[]) = [{ unit: 'USER', quantity: 'many' }]),
      ],
      ['no payload at all', (d: ReturnType<typeof orderEvent>) => delete (d as Record<string, unknown>).payload],
      [
        'an unknown event type',
        (d: ReturnType<typeof orderEvent>) => ((d as Record<string, unknown>).type = 'SOMETHING_NEW'),
      ],
    ])('answers success and changes nothing for a sparse document: %s', async (_name, spoil) => {
      const document = orderEvent({ flag: 'STATELESS' });
      spoil(document);
      const accounts = await s.subject.db.prisma.account.count();
      const result = await s.send(document);
      expect(result).toMatchObject({ success: true });
      expect(await s.subject.db.prisma.account.count()).toBe(accounts);
    });
  });

  describe('add-ons', () => {
    const addonOrder = (parent: string, companyUuid: string) => ({
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

    it('refuses an add-on order on a parent that is not active, or of another company', async () => {
      const companyUuid = randomUUID();
      const { accountId } = await order({ companyUuid });
      expect(await s.send(addonOrder(accountId, randomUUID()))).toMatchObject({
        success: false,
        errorCode: 'ACCOUNT_NOT_FOUND',
      });
      await s.send(noticeEvent(accountId, 'DEACTIVATED'));
      expect(await s.send(addonOrder(accountId, companyUuid))).toMatchObject({
        success: false,
        errorCode: 'FORBIDDEN',
        message: expect.stringContaining('suspended'),
      });
      await s.send(noticeEvent(accountId, 'REACTIVATED'));
      expect(await s.send(addonOrder(accountId, companyUuid))).toMatchObject({ success: true });
    });

    it("refuses change, cancel and bind of an add-on that belongs to another account, and a bind taking another add-on's binding", async () => {
      const { accountId: mine } = await order();
      const { accountId: theirs } = await order();
      const theirAddon = (
        await s.send(accountEvent('ADDON_ORDER', theirs, { order: { addonOfferingCode: 'BACKUP', items: [] } }))
      ).accountIdentifier!;
      const myAddon = (
        await s.send(accountEvent('ADDON_ORDER', mine, { order: { addonOfferingCode: 'BACKUP', items: [] } }))
      ).accountIdentifier!;
      const foreign = { addonInstance: { id: theirAddon } };
      for (const type of ['ADDON_CHANGE', 'ADDON_CANCEL', 'ADDON_BIND']) {
        const result = await s.send(
          accountEvent(type, mine, {
            ...foreign,
            order: { addonOfferingCode: 'X', items: [] },
            addonBinding: { id: `b-${randomUUID()}` },
          }),
        );
        expect(result).toMatchObject({ success: false, errorCode: 'BINDING_NOT_FOUND' });
      }
      expect((await s.subject.db.prisma.addonInstance.findUniqueOrThrow({ where: { id: theirAddon } })).status).toBe(
        'active',
      );
      // v2 add-on cancel: SUBSCRIPTION_CANCEL naming the add-on, with another parent.
      const v2 = accountEvent('SUBSCRIPTION_CANCEL', theirAddon);
      (v2.payload.account as Record<string, unknown>).parentAccountIdentifier = mine;
      expect(await s.send(v2)).toMatchObject({ success: false, errorCode: 'BINDING_NOT_FOUND' });

      const bindingId = `b-${randomUUID()}`;
      expect(
        await s.send(
          accountEvent('ADDON_BIND', theirs, { addonInstance: { id: theirAddon }, addonBinding: { id: bindingId } }),
        ),
      ).toMatchObject({ success: true });
      const stolen = await s.send(
        accountEvent('ADDON_BIND', mine, { addonInstance: { id: myAddon }, addonBinding: { id: bindingId } }),
      );
      expect(stolen).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
      expect(
        (await s.subject.db.prisma.addonBinding.findUniqueOrThrow({ where: { id: bindingId } })).addonInstanceId,
      ).toBe(theirAddon);
    });
  });

  describe('USER_UPDATED', () => {
    it('accepts an update for a user we have never seen (protocol reference §6: log and accept), recording the details', async () => {
      const { accountId } = await order();
      const stranger = person({ firstName: 'Stranger' });
      expect(await s.send(accountEvent('USER_UPDATED', accountId, { user: stranger }))).toMatchObject({
        success: true,
      });
      expect(
        await s.subject.db.prisma.user.findUniqueOrThrow({ where: { uuid: stranger.uuid as string } }),
      ).toMatchObject({ firstName: 'Stranger' });
      expect(
        await s.subject.db.prisma.seat.count({ where: { accountId, user: { uuid: stranger.uuid as string } } }),
      ).toBe(0);
    });
  });

  describe('bad data is INVALID_RESPONSE at the first attempt', () => {
    const firstAttempt = async (token: string) => {
      const row = await s.subject.db.prisma.event.findUniqueOrThrow({
        where: { token },
        include: { attemptHistory: true },
      });
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(1);
      expect(row.attemptHistory).toHaveLength(1);
      return row;
    };
    const deep = (levels: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { leaf: 'x' };
      for (let i = 0; i < levels; i += 1) value = { nested: value };
      return value;
    };

    it.each([
      ['a NUL character in a string', (d: ReturnType<typeof orderEvent>) => (d.payload.company.name = 'Bad\u0000Corp')],
      ['a lone surrogate', (d: ReturnType<typeof orderEvent>) => (d.payload.company.name = 'Bad\ud800Corp')],
      [
        'a USER quantity above 2^31-1',
        (d: ReturnType<typeof orderEvent>) =>
          ((d.payload.order.items as unknown[]) = [{ unit: 'USER', quantity: 2 ** 31 }]),
      ],
      [
        'a USER quantity of 2^63 as a string',
        (d: ReturnType<typeof orderEvent>) =>
          ((d.payload.order.items as unknown[]) = [{ unit: 'USER', quantity: '9223372036854775808' }]),
      ],
      [
        'a negative quantity',
        (d: ReturnType<typeof orderEvent>) => ((d.payload.order.items as unknown[]) = [{ unit: 'USER', quantity: -5 }]),
      ],
      [
        'a configuration nested 3,000 levels deep',
        (d: ReturnType<typeof orderEvent>) => ((d.payload as Record<string, unknown>).configuration = deep(3000)),
      ],
      [
        'an event type of 3,000 characters',
        (d: ReturnType<typeof orderEvent>) => ((d as Record<string, unknown>).type = 'X'.repeat(3000)),
      ],
      [
        'an event type of __proto__',
        (d: ReturnType<typeof orderEvent>) => ((d as Record<string, unknown>).type = '__proto__'),
      ],
    ])('%s', async (_name, spoil) => {
      const document = orderEvent({ seats: 5 });
      spoil(document);
      const { token, eventUrl } = s.marketplace.addEvent(document);
      const answer = await notify(s.serviceUrl, eventUrl, s.auth);
      expect(answer.status).toBe(202);
      const result = await s.resultOf(token);
      expect(result).toMatchObject({
        success: false,
        errorCode: expect.stringMatching(/^(INVALID_RESPONSE|CONFIGURATION_ERROR)$/),
      });
      await firstAttempt(token);
    });

    it('fails an event at once with UNKNOWN_ERROR when applying it raises an error no retry can fix, keeping a clean message for operators', async () => {
      await refuseAccountsOf(s.subject.db.prisma, 'Broken Corp', 'check_violation', 'broken row (test trigger)');
      const broken = orderEvent({ seats: 2 });
      broken.payload.company.name = 'Broken Corp';
      const result = await s.send(broken);
      expect(result).toMatchObject({ success: false, errorCode: 'UNKNOWN_ERROR' });
      const row = await s.subject.db.prisma.event.findUniqueOrThrow({
        where: { token: result.token },
        include: { attemptHistory: true },
      });
      expect(row.attempts).toBe(1);
      expect(row.attemptHistory.map((a) => a.outcome)).toEqual(['failed']);
      expect(row.lastError).toContain('broken row (test trigger)');
      expect(row.lastError).not.toMatch(/\/work\/|\.ts:\d+|\n\s+at /);
    });

    it('refuses a marketplace.baseUrl that is not http(s)', async () => {
      const document = orderEvent({ seats: 5 });
      const { token, eventUrl } = s.marketplace.addEvent(document);
      (s.marketplace.events.get(token) as Record<string, unknown>).marketplace = {
        partner: 'ACME',
        baseUrl: 'javascript:alert(1)',
      };
      expect((await notify(s.serviceUrl, eventUrl, s.auth)).status).toBe(202);
      expect(await s.resultOf(token)).toMatchObject({
        success: false,
        errorCode: 'INVALID_RESPONSE',
        message: expect.stringContaining('marketplace.baseUrl'),
      });
      await firstAttempt(token);
    });

    it('answers a SUBSCRIPTION_NOTICE whose document cannot be stored synchronously with INVALID_RESPONSE', async () => {
      const { accountId } = await order();
      const notice = noticeEvent(accountId, 'DEACTIVATED');
      (notice.payload as Record<string, unknown>).configuration = { key: 'a\u0000b' };
      const result = await s.send(notice);
      expect(result).toMatchObject({ success: false, errorCode: 'INVALID_RESPONSE' });
      expect((await account(accountId)).status).toBe('active');
    });
  });
});
