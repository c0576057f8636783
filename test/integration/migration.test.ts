/**
 * Issue 26.2: AppDirect's migration of customers the vendor already serves, over real HTTP signed as AppDirect
 * signs (the fake marketplace's independent OAuth 1.0a signer), on real PostgreSQL and Redis: validations asked of
 * the product (module and webhook), a migrated subscription becoming an account the events then find,
 * idempotent, audited, in the admin.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { startExampleProduct, type ExampleProduct } from '../../examples/product/app';
import type { ProvisioningHooks } from '../../src/hooks';
import type { ProductQuestion } from '../../src/hooks/questions';
import { askMigration, askRestrictions } from '../../tools/fake-marketplace/connector';
import type { NotifyAuth } from '../../tools/fake-marketplace/notify';
import { startTestApp, type TestApp } from '../support/app';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';

const CONSUMER = { key: 'migration-key', secret: 'migration-secret' };
const ADMIN = 'migration-admin-token-0123456789abcdef';
const APPLICATION = '5b1e0c8e-6a51-4a3c-9d0e-1f2a3b4c5d6e';
const WEBHOOK_SECRET = `whsec_${Buffer.from('migration-webhook-secret-0123456789ab').toString('base64')}`;
const QUESTIONS = 'validateCustomerAccount,validateSubscription,migrateSubscription';

async function listen(app: TestApp): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = app.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

describe('POST /api/v{1,2}/migration/…', () => {
  let s: Scenario;
  const oauth1: NotifyAuth = { type: 'oauth1', ...CONSUMER };
  const asked: ProductQuestion[] = [];
  const product: {
    verdict: (q: ProductQuestion) => Promise<unknown>;
    migrate: (q: ProductQuestion<'migrateSubscription'>) => Promise<unknown>;
  } = {
    verdict: async () => ({ success: true }),
    migrate: async () => ({ decision: 'accept' }),
  };
  const hooks: ProvisioningHooks = {
    validateCustomerAccount: async (q) => {
      asked.push(q);
      return (await product.verdict(q)) as { success: true };
    },
    validateSubscription: async (q) => {
      asked.push(q);
      return (await product.verdict(q)) as { success: true };
    },
    migrateSubscription: async (q) => {
      asked.push(q);
      return (await product.migrate(q)) as { decision: 'accept' };
    },
  };
  const prisma = () => s.subject.db.prisma;
  const subscription = (overrides: Record<string, unknown> = {}) => ({
    partner: 'APPDIRECT',
    tenantIdentifier: `legacy-${randomUUID().slice(0, 8)}`,
    subscriptionIdentifier: `sub-${randomUUID().slice(0, 8)}`,
    applicationIdentifier: APPLICATION,
    edition: 'PRO',
    orderUnits: [{ unitType: 'USER', unit: 3 }],
    companyUuid: randomUUID(),
    companyName: 'Legacy Corp',
    subscriptionUuid: randomUUID(),
    ...overrides,
  });

  beforeAll(async () => {
    s = await startScenario(
      {
        APPDIRECT_CONSUMER_KEY: CONSUMER.key,
        APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
        ADMIN_TOKEN: ADMIN,
        PRODUCT_DECIDE: QUESTIONS,
        SYNC_ANSWER_BUDGET_MS: '1000',
      },
      { hooks, marketplace: { consumer: CONSUMER } },
    );
  });
  afterAll(() => s.close());
  beforeEach(() => {
    asked.length = 0;
    product.verdict = async () => ({ success: true });
    product.migrate = async () => ({ decision: 'accept' });
  });

  describe('validations, judged by the product', () => {
    it.each(['v1', 'v2'] as const)('answers the product verdict on a customer account (%s)', async (version) => {
      product.verdict = async (q) =>
        (q.data as { fields: Record<string, string> }).fields.tenantId === 'legacy-42'
          ? { success: true, message: 'Known.' }
          : { success: false, errorCode: 'ACCOUNT_NOT_FOUND', message: 'Unknown tenant.' };
      const known = await askMigration(
        s.serviceUrl,
        'validateCustomerAccount',
        { tenantId: 'legacy-42' },
        oauth1,
        version,
      );
      expect(known).toEqual({ status: 200, body: { success: true, message: 'Known.' } });
      const unknown = await askMigration(
        s.serviceUrl,
        'validateCustomerAccount',
        { tenantId: 'nobody' },
        oauth1,
        version,
      );
      expect(unknown).toEqual({
        status: 200,
        body: { success: false, errorCode: 'ACCOUNT_NOT_FOUND', message: 'Unknown tenant.' },
      });
      expect(asked.map((q) => [q.type, q.mode, (q.data as { fields: unknown }).fields])).toEqual([
        ['validateCustomerAccount', 'decide', { tenantId: 'legacy-42' }],
        ['validateCustomerAccount', 'decide', { tenantId: 'nobody' }],
      ]);
    });

    it('answers UNKNOWN_ERROR when the product does not answer in time, and a bad body with 400', async () => {
      product.verdict = () => new Promise((resolve) => setTimeout(() => resolve({ success: true }), 3000).unref());
      const late = await askMigration(s.serviceUrl, 'validateSubscription', { subscriptionId: 's' }, oauth1);
      expect(late.body).toMatchObject({ success: false, errorCode: 'UNKNOWN_ERROR' });
      const bad = await askMigration(s.serviceUrl, 'validateSubscription', { subscriptionId: 42 }, oauth1);
      expect([bad.status, bad.body.code]).toEqual([400, 'BODY_INVALID']);
    });

    it('refuses a wrong signature with 401, asking nothing', async () => {
      const wrong = await askMigration(
        s.serviceUrl,
        'validateCustomerAccount',
        { tenantId: 'x' },
        {
          type: 'oauth1',
          key: CONSUMER.key,
          secret: 'wrong',
        },
      );
      expect([wrong.status, wrong.body.code]).toEqual([401, 'AUTH_BAD_SIGNATURE']);
      const migrate = await askMigration(s.serviceUrl, 'subscription', subscription(), { type: 'none' });
      expect(migrate.status).toBe(401);
      expect(asked).toEqual([]);
    });
  });

  describe('bringing a subscription in', () => {
    it('creates an account linked to the company and the subscription, which the events then find', async () => {
      const sub = subscription();
      const answer = await askMigration(s.serviceUrl, 'subscription', sub, oauth1);
      expect(answer).toEqual({
        status: 200,
        body: { success: true, message: 'Subscription migrated.', accountIdentifier: sub.subscriptionIdentifier },
      });
      expect(asked[0]).toMatchObject({
        type: 'migrateSubscription',
        partner: 'APPDIRECT',
        data: {
          proposedAccountIdentifier: sub.subscriptionIdentifier,
          subscription: { tenantIdentifier: sub.tenantIdentifier },
        },
      });
      const account = await prisma().account.findUnique({ where: { id: sub.subscriptionIdentifier } });
      expect(account).toMatchObject({
        companyUuid: sub.companyUuid,
        companyName: 'Legacy Corp',
        companyExternalId: sub.tenantIdentifier,
        applicationUuid: APPLICATION,
        editionCode: 'PRO',
        maxUsers: 3,
        status: 'active',
        provisioningStatus: 'done',
      });
      // The events that follow find it: an assignment takes a seat; the company's ORDER gets the same account.
      expect(await s.send(assignEvent(sub.subscriptionIdentifier))).toMatchObject({ success: true });
      const reorder = await s.send(orderEvent({ companyUuid: sub.companyUuid, applicationUuid: APPLICATION }));
      expect(reorder).toMatchObject({ success: true, accountIdentifier: sub.subscriptionIdentifier });
      // And AppDirect's restrictions question knows it.
      const restricted = await askRestrictions(
        s.serviceUrl,
        { operation: 'SUBSCRIPTION_ORDER', applicationUuid: APPLICATION, companyUuid: sub.companyUuid },
        oauth1,
      );
      expect(restricted.body.restrictions).toMatchObject([{ details: { code: 'SUBSCRIPTION_ALREADY_EXISTS' } }]);
    });

    it('is idempotent: a repeat gets the same answer, asks nothing, creates nothing more', async () => {
      const sub = subscription();
      const first = await askMigration(s.serviceUrl, 'subscription', sub, oauth1);
      const again = await askMigration(s.serviceUrl, 'subscription', sub, oauth1, 'v1');
      expect(again).toEqual(first);
      expect(asked).toHaveLength(1);
      expect(
        await prisma().subscriptionMigration.count({ where: { subscriptionIdentifier: sub.subscriptionIdentifier } }),
      ).toBe(1);
      const audit = await prisma().auditLog.findMany({
        where: { action: 'migration.subscription', target: sub.subscriptionIdentifier },
      });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: `appdirect:${CONSUMER.key}`, count: 1 });
      // Two at once: one account, one answer.
      const twin = subscription();
      const both = await Promise.all([1, 2].map(() => askMigration(s.serviceUrl, 'subscription', twin, oauth1)));
      expect(both[0]).toEqual(both[1]);
      expect(await prisma().account.count({ where: { id: twin.subscriptionIdentifier } })).toBe(1);
    });

    it('answers two requests for the same subscription at once alike, the later one after the first committed', async () => {
      // Both requests find no migration and ask the product; it answers one at once and the other only once the
      // first request has been answered (its migration committed): the later one must answer as the first did.
      for (let round = 0; round < 2; round += 1) {
        const arrived: Array<() => void> = [];
        let firstAnswered: () => void = () => undefined;
        const afterFirst = new Promise<void>((resolve) => (firstAnswered = resolve));
        product.migrate = async () => {
          const turn = arrived.length;
          await new Promise<void>((resolve) => {
            arrived.push(resolve);
            if (arrived.length === 2) arrived[0]!();
          });
          if (turn === 1) await afterFirst;
          return { decision: 'accept' };
        };
        const twin = subscription();
        const requests = [1, 2].map(() => askMigration(s.serviceUrl, 'subscription', twin, oauth1));
        void Promise.race(requests).then(() => {
          firstAnswered();
          arrived[1]!();
        });
        const both = await Promise.all(requests);
        expect(both[0]!.body).toEqual({
          success: true,
          message: 'Subscription migrated.',
          accountIdentifier: twin.subscriptionIdentifier,
        });
        expect(both[1]!.body).toEqual(both[0]!.body);
        expect(
          await prisma().subscriptionMigration.count({
            where: { subscriptionIdentifier: twin.subscriptionIdentifier },
          }),
        ).toBe(1);
      }
    });

    it("uses the product's own accountIdentifier when it names one", async () => {
      const sub = subscription();
      product.migrate = async () => ({
        decision: 'accept',
        accountIdentifier: 'ws-legacy-7',
        message: 'Welcome back.',
      });
      const answer = await askMigration(s.serviceUrl, 'subscription', sub, oauth1);
      expect(answer.body).toEqual({ success: true, message: 'Welcome back.', accountIdentifier: 'ws-legacy-7' });
      expect(await prisma().account.findUnique({ where: { id: 'ws-legacy-7' } })).not.toBeNull();
    });

    it('keeps nothing when the product refuses, does not answer, or the company already has an account', async () => {
      const refused = subscription();
      product.migrate = async () => ({ decision: 'refuse', errorCode: 'ACCOUNT_NOT_FOUND', message: 'Not ours.' });
      expect((await askMigration(s.serviceUrl, 'subscription', refused, oauth1)).body).toEqual({
        success: false,
        errorCode: 'ACCOUNT_NOT_FOUND',
        message: 'Not ours.',
      });
      product.migrate = () => new Promise(() => undefined);
      expect((await askMigration(s.serviceUrl, 'subscription', refused, oauth1)).body).toMatchObject({
        success: false,
        errorCode: 'UNKNOWN_ERROR',
      });
      expect(await prisma().account.findUnique({ where: { id: refused.subscriptionIdentifier } })).toBeNull();
      // Accepted later, it is migrated then.
      product.migrate = async () => ({ decision: 'accept' });
      expect((await askMigration(s.serviceUrl, 'subscription', refused, oauth1)).body).toMatchObject({ success: true });

      const ordered = orderEvent({ applicationUuid: APPLICATION });
      const companyUuid = (ordered.payload.company as { uuid: string }).uuid;
      await s.send(ordered);
      const clash = subscription({ companyUuid });
      expect((await askMigration(s.serviceUrl, 'subscription', clash, oauth1)).body).toMatchObject({
        success: false,
        errorCode: 'USER_ALREADY_EXISTS',
      });
      expect(
        await prisma().subscriptionMigration.count({ where: { subscriptionIdentifier: clash.subscriptionIdentifier } }),
      ).toBe(0);
    });

    it('answers a body without its identifiers with 400 BODY_INVALID, creating nothing', async () => {
      const before = await prisma().account.count();
      const answer = await askMigration(s.serviceUrl, 'subscription', { tenantIdentifier: 'legacy-1' }, oauth1);
      expect([answer.status, answer.body.code]).toEqual([400, 'BODY_INVALID']);
      expect(JSON.stringify(answer.body)).toContain('subscriptionIdentifier');
      expect(await prisma().account.count()).toBe(before);
    });

    it('shows the migration on the admin account', async () => {
      const sub = subscription();
      await askMigration(s.serviceUrl, 'subscription', sub, oauth1);
      const res = await fetch(`${s.serviceUrl}/admin/api/accounts/${sub.subscriptionIdentifier}`, {
        headers: { Authorization: `Bearer ${ADMIN}` },
      });
      expect(((await res.json()) as { migration: unknown }).migration).toEqual({
        partner: 'APPDIRECT',
        subscriptionIdentifier: sub.subscriptionIdentifier,
        tenantIdentifier: sub.tenantIdentifier,
        subscriptionUuid: sub.subscriptionUuid,
        migratedAt: expect.any(String),
      });
    });
  });

  it('answers CONFIGURATION_ERROR (not supported) when the product answers no migration question', async () => {
    const bare = await listen(
      await startTestApp(
        { APPDIRECT_CONSUMER_KEY: CONSUMER.key, APPDIRECT_CONSUMER_SECRET: CONSUMER.secret },
        {},
        s.subject.db,
      ),
    );
    try {
      const sub = subscription();
      expect((await askMigration(bare.url, 'subscription', sub, oauth1)).body).toEqual({
        success: false,
        errorCode: 'CONFIGURATION_ERROR',
        message: 'Subscription migration is not supported.',
      });
      expect((await askMigration(bare.url, 'validateCustomerAccount', { tenantId: 'x' }, oauth1)).body).toEqual({
        success: false,
        errorCode: 'CONFIGURATION_ERROR',
        message: 'Customer account validation is not supported.',
      });
      expect(await prisma().account.findUnique({ where: { id: sub.subscriptionIdentifier } })).toBeNull();
    } finally {
      await bare.close();
    }
  });

  describe('the example product over Standard Webhooks', () => {
    let example: ExampleProduct;
    let hooked: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      example = await startExampleProduct({
        secret: WEBHOOK_SECRET,
        legacyCustomers: {
          'legacy-hooli': { companyName: 'Hooli', users: ['gavin@hooli.example'], subscriptions: { 'sub-hooli-1': 8 } },
        },
      });
      hooked = await listen(
        await startTestApp(
          {
            APPDIRECT_CONSUMER_KEY: CONSUMER.key,
            APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
            PRODUCT_WEBHOOK_URL: example.url,
            PRODUCT_WEBHOOK_SECRETS: WEBHOOK_SECRET,
            PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
            PRODUCT_DECIDE: QUESTIONS,
          },
          {},
          s.subject.db,
        ),
      );
    });
    afterAll(async () => {
      await hooked.close();
      await example.close();
    });

    it('validates and migrates a customer the product serves, and refuses one it does not', async () => {
      const customer = await askMigration(hooked.url, 'validateCustomerAccount', { tenantId: 'legacy-hooli' }, oauth1);
      expect(customer.body).toMatchObject({ success: true });
      const sub = await askMigration(
        hooked.url,
        'validateSubscription',
        { tenantId: 'legacy-hooli', subscriptionId: 'sub-hooli-1' },
        oauth1,
      );
      expect(sub.body).toEqual({ success: true, message: '8 seats.' });
      const migrated = await askMigration(
        hooked.url,
        'subscription',
        {
          partner: 'APPDIRECT',
          tenantIdentifier: 'legacy-hooli',
          subscriptionIdentifier: 'sub-hooli-1',
          orderUnits: [{ unitType: 'USER', unit: '8' }],
        },
        oauth1,
      );
      expect(migrated.body).toMatchObject({ success: true, accountIdentifier: 'sub-hooli-1' });
      expect(example.tenants.get('sub-hooli-1')).toMatchObject({ companyName: 'Hooli', maxUsers: 8 });
      expect((await prisma().account.findUnique({ where: { id: 'sub-hooli-1' } }))?.maxUsers).toBe(8);
      const stranger = await askMigration(
        hooked.url,
        'subscription',
        { tenantIdentifier: 'legacy-stranger', subscriptionIdentifier: 'sub-stranger' },
        oauth1,
      );
      expect(stranger.body).toMatchObject({ success: false, errorCode: 'ACCOUNT_NOT_FOUND' });
      expect(example.rejected).toBe(0);
    });
  });
});
