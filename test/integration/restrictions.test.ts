/**
 * Issue 26.1: AppDirect's restrictions question (POST /api/v{1,2}/restrictions) over real HTTP, signed as
 * AppDirect signs it (the fake marketplace's independent OAuth 1.0a signer, Basic, a Bearer token from
 * /oauth2/token), answered from the account store's rules on real PostgreSQL and by the product over both
 * transports; every answer recorded, counted and shown in the admin API.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { startExampleProduct, type ExampleProduct } from '../../examples/product/app';
import type { ProvisioningHooks } from '../../src/hooks';
import type { ProductQuestion } from '../../src/hooks/questions';
import { askConnector, askRestrictions, type Answer } from '../../tools/fake-marketplace/connector';
import { signedRequest, type NotifyAuth } from '../../tools/fake-marketplace/notify';
import { purgeOldAnswers } from '../../src/restrictions/record';
import { startTestApp, type TestApp } from '../support/app';
import { assignEvent, changeEvent, noticeEvent, orderEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';

const CONSUMER = { key: 'restrictions-key', secret: 'restrictions-secret' };
const OAUTH2 = { id: 'restrictions-client', secret: 'restrictions-client-secret' };
const ADMIN = 'restrictions-admin-token-0123456789abcdef';
const APPLICATION = '5b1e0c8e-6a51-4a3c-9d0e-1f2a3b4c5d6e';
const WEBHOOK_SECRET = `whsec_${Buffer.from('restrictions-webhook-secret-0123456789').toString('base64')}`;

const codes = (answer: Answer) =>
  ((answer.body.restrictions ?? []) as Array<{ details: { code: string } }>).map((r) => r.details.code);
const messages = (answer: Answer) =>
  ((answer.body.restrictions ?? []) as Array<{ details: { message: string } }>).map((r) => r.details.message);

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

describe('POST /api/v{1,2}/restrictions', () => {
  let s: Scenario;
  const oauth1: NotifyAuth = { type: 'oauth1', ...CONSUMER };
  /** What the in-process product does with a restrictions question. */
  const product: {
    asked: Array<ProductQuestion<'restrictions'>>;
    answer: (q: ProductQuestion<'restrictions'>) => Promise<unknown>;
  } = { asked: [], answer: async () => ({ restrictions: [] }) };
  const hooks: ProvisioningHooks = {
    restrictions: async (question) => {
      product.asked.push(question);
      return (await product.answer(question)) as { restrictions: [] };
    },
  };
  const ask = (info: Record<string, unknown>, auth: NotifyAuth = oauth1, version: 'v1' | 'v2' = 'v2') =>
    askRestrictions(s.serviceUrl, info, auth, { version });
  const answersStored = () => s.subject.db.prisma.restrictionAnswer.count();

  /** A new account with `seats` seats (its owner holds one) and `assigned` more users. */
  const account = async (seats: number | undefined, assigned = 0) => {
    const order = orderEvent({ seats });
    const created = await s.send(order);
    const id = created.accountIdentifier!;
    const users = [];
    for (let i = 0; i < assigned; i += 1) {
      const user = person();
      expect((await s.send(assignEvent(id, user))).success).toBe(true);
      users.push(user);
    }
    return { id, companyUuid: (order.payload.company as { uuid: string }).uuid, users };
  };
  const change = (externalVendorId: string, seats: number) => ({
    operation: 'SUBSCRIPTION_CHANGE',
    applicationUuid: APPLICATION,
    externalVendorId,
    editionInfo: [
      {
        editionCode: 'PRO',
        editionUuid: 'edition-pro',
        pricingInfo: [
          {
            editionUuid: 'pricing-pro-monthly',
            pricingDuration: 'MONTHLY',
            quantityInfo: [{ pricingUnit: 'USER', quantity: seats }],
          },
        ],
      },
    ],
    locale: 'en-US',
  });
  const assignment = (externalVendorId: string, users: Array<Record<string, unknown>>) => ({
    operation: 'USER_ASSIGNMENT',
    applicationUuid: APPLICATION,
    externalVendorId,
    userInfo: users.map((u) => ({ firstName: 'Pat', lastName: 'User', userUuid: u.uuid, roles: ['USER'] })),
  });

  beforeAll(async () => {
    s = await startScenario(
      {
        APPDIRECT_CONSUMER_KEY: CONSUMER.key,
        APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
        APPDIRECT_OAUTH2_CLIENT_ID: OAUTH2.id,
        APPDIRECT_OAUTH2_CLIENT_SECRET: OAUTH2.secret,
        ADMIN_TOKEN: ADMIN,
        PRODUCT_DECIDE: 'restrictions',
        SYNC_ANSWER_BUDGET_MS: '1000',
      },
      // With a consumer key the service signs its fetches with it: the marketplace checks that key.
      { hooks, marketplace: { consumer: CONSUMER } },
    );
  });
  afterAll(() => s.close());
  beforeEach(() => {
    product.asked = [];
    product.answer = async () => ({ restrictions: [] });
  });

  describe('authentication, as the event notification', () => {
    const initialOrder = () => ({
      operation: 'SUBSCRIPTION_ORDER',
      applicationUuid: APPLICATION,
      companyUuid: randomUUID(),
      editionInfo: [{ editionCode: 'PRO', pricingInfo: [{ quantityInfo: [{ pricingUnit: 'USER', quantity: 5 }] }] }],
      userInfo: [],
      locale: 'en-US',
      additionalAttributes: { channel: 'web' },
    });

    it.each(['v1', 'v2'] as const)(
      'answers an initial order by a new company with no restrictions (%s, OAuth 1.0a signed)',
      async (version) => {
        const answer = await ask(initialOrder(), oauth1, version);
        expect(answer).toEqual({ status: 200, body: { restrictions: [] } });
        expect(product.asked).toHaveLength(1);
        expect(product.asked[0]!.data.question.additionalAttributes).toEqual({ channel: 'web' });
      },
    );

    it('accepts HTTP Basic and a Bearer token from /oauth2/token', async () => {
      expect((await ask(initialOrder(), s.auth)).status).toBe(200);
      const token = await fetch(`${s.serviceUrl}/oauth2/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${OAUTH2.id}:${OAUTH2.secret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await token.json()) as { access_token: string };
      expect((await ask(initialOrder(), { type: 'bearer', token: access_token })).status).toBe(200);
    });

    it('refuses a wrong signature, no credentials and a replayed nonce with 401, computing and recording nothing', async () => {
      const before = await answersStored();
      const wrong = await ask(initialOrder(), { type: 'oauth1', key: CONSUMER.key, secret: 'not-the-secret' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('AUTH_BAD_SIGNATURE');
      expect((await ask(initialOrder(), { type: 'none' })).status).toBe(401);
      const nonce = randomUUID().replace(/-/g, '');
      expect((await ask(initialOrder(), { ...oauth1, nonce })).status).toBe(200);
      const replay = await ask(initialOrder(), { ...oauth1, nonce });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('AUTH_NONCE_REPLAYED');
      expect(await answersStored()).toBe(before + 1);
      expect(product.asked).toHaveLength(1);
    });

    it('signs the query, not the JSON body: a partner changed after signing is refused', async () => {
      const body = JSON.stringify(initialOrder());
      const signed = signedRequest('POST', new URL('/api/v2/restrictions', s.serviceUrl), { partner: 'ACME' }, oauth1);
      const send = (url: string) =>
        fetch(url, { method: 'POST', headers: { ...signed.headers, 'Content-Type': 'application/json' }, body });
      expect((await send(signed.url.replace('partner=ACME', 'partner=OTHER'))).status).toBe(401);
      expect((await send(signed.url)).status).toBe(200);
      expect(product.asked.map((q) => q.partner)).toEqual(['ACME']);
    });
  });

  describe('bad questions', () => {
    it.each([
      ['no operation', { companyUuid: 'c' }, 'operation'],
      ['an unknown operation', { operation: 'SUBSCRIPTION_PAUSE', externalVendorId: 'x' }, 'operation'],
      ['an initial order without its company', { operation: 'SUBSCRIPTION_ORDER' }, 'companyUuid'],
      [
        'a quantity that is not a number',
        {
          ...change('acct-x', 1),
          editionInfo: [{ pricingInfo: [{ quantityInfo: [{ pricingUnit: 'USER', quantity: 'ten' }] }] }],
        },
        'editionInfo.0.pricingInfo.0.quantityInfo.0.quantity',
      ],
      ['a list instead of an object', [], '(body)'],
    ])('answers %s with 400 BODY_INVALID naming the field, asking nothing', async (_, info, field) => {
      const before = await answersStored();
      const answer = await ask(info as Record<string, unknown>);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('BODY_INVALID');
      expect(JSON.stringify(answer.body)).toContain(field);
      expect(product.asked).toHaveLength(0);
      expect(await answersStored()).toBe(before);
    });

    it('answers a body that is not JSON with 400 BODY_MALFORMED and no partner with 400 PARAMETER_MISSING', async () => {
      const malformed = await askConnector(s.serviceUrl, '/api/v2/restrictions', { partner: 'P' }, '{"op', oauth1);
      expect([malformed.status, malformed.body.code]).toEqual([400, 'BODY_MALFORMED']);
      const res = await fetch(`${s.serviceUrl}/api/v2/restrictions`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Basic ${Buffer.from('appdirect:scenario-password').toString('base64')}`,
        },
        body: JSON.stringify({ operation: 'SUBSCRIPTION_CANCEL', externalVendorId: 'x' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('PARAMETER_MISSING');
    });
  });

  describe("the account store's rules (the lifecycle table the events use)", () => {
    it('restricts an order by a company that already holds a live account: SUBSCRIPTION_ALREADY_EXISTS', async () => {
      const { id, companyUuid } = await account(3);
      const answer = await ask({ operation: 'SUBSCRIPTION_ORDER', applicationUuid: APPLICATION, companyUuid });
      expect(codes(answer)).toEqual(['SUBSCRIPTION_ALREADY_EXISTS']);
      expect(messages(answer)[0]).toContain(id);
      // Another application of the same company is not restricted.
      const other = await ask({ operation: 'SUBSCRIPTION_ORDER', applicationUuid: randomUUID(), companyUuid });
      expect(codes(other)).toEqual([]);
    });

    it('restricts any operation naming an account we do not hold: SUBSCRIPTION_NOT_FOUND_AT_ISV', async () => {
      expect(codes(await ask(change('acct-nobody', 5)))).toEqual(['SUBSCRIPTION_NOT_FOUND_AT_ISV']);
      expect(codes(await ask({ operation: 'SUBSCRIPTION_CANCEL' }))).toEqual(['SUBSCRIPTION_NOT_FOUND_AT_ISV']);
    });

    it('restricts a seat change below the users assigned, naming both numbers and the edition', async () => {
      const { id } = await account(5, 2); // owner + 2 users
      const answer = await ask(change(id, 2));
      expect(answer.body.restrictions).toEqual([
        {
          operation: 'SUBSCRIPTION_CHANGE',
          editionUuid: 'edition-pro',
          editionPricingUuid: 'pricing-pro-monthly',
          details: {
            code: 'SEAT_CHANGE_NOT_ALLOWED',
            message: '3 users are assigned but the new plan has 2 seats: unassign 1 user first.',
          },
        },
      ]);
      expect(codes(await ask(change(id, 3)))).toEqual([]);
    });

    it('restricts an assignment when every seat is taken, not one of a user already seated', async () => {
      const { id, users } = await account(2, 1);
      expect(codes(await ask(assignment(id, [person()])))).toEqual(['MAX_ENTITLEMENTS_REACHED']);
      expect(codes(await ask(assignment(id, users)))).toEqual([]);
      const roomy = await account(4, 1);
      expect(codes(await ask(assignment(roomy.id, [person(), person()])))).toEqual([]);
      const three = await ask(assignment(roomy.id, [person(), person(), person()]));
      expect(messages(three)).toEqual([
        '2 of 4 seats are free but 3 users are to be assigned; buy more seats or unassign a user first.',
      ]);
    });

    it('restricts on a suspended or cancelled account what the lifecycle table refuses there, and only that', async () => {
      const { id } = await account(5);
      expect((await s.send(noticeEvent(id, 'DEACTIVATED'))).success).toBe(true);
      const suspended = await ask(assignment(id, [person()]));
      expect(codes(suspended)).toEqual(['PREREQUISITE_CONDITION_NOT_SATISFIED']);
      const refused = await s.send(assignEvent(id));
      expect(refused).toMatchObject({ success: false, errorCode: 'FORBIDDEN', message: messages(suspended)[0] });
      // The events take a plan change and a cancel on a suspended subscription: so does this.
      expect(codes(await ask(change(id, 5)))).toEqual([]);
      expect(codes(await ask({ operation: 'SUBSCRIPTION_CANCEL', externalVendorId: id }))).toEqual([]);
      expect((await s.send({ ...changeEvent(id, 5), type: 'SUBSCRIPTION_CANCEL' })).success).toBe(true);
      const cancelled = await ask(change(id, 5));
      expect(codes(cancelled)).toEqual(['ACTION_NOT_SUPPORTED']);
      expect(messages(cancelled)).toEqual(['The subscription is cancelled; it cannot be changed.']);
      expect(codes(await ask(assignment(id, [person()])))).toEqual(['ACTION_NOT_SUPPORTED']);
      expect(codes(await ask({ operation: 'USER_UNASSIGNMENT', externalVendorId: id, userInfo: [] }))).toEqual([]);
    });
  });

  describe('consistency with the events', () => {
    it('a change it allowed succeeds as an event, unless an assignment landed in between', async () => {
      // No state moves: the allowed change succeeds.
      const calm = await account(4, 1);
      expect(codes(await ask(change(calm.id, 2)))).toEqual([]);
      expect((await s.send(changeEvent(calm.id, 2))).success).toBe(true);

      // Restriction asked, an assignment lands, the change arrives: decided on the state it finds.
      const raced = await account(4, 1);
      expect(codes(await ask(change(raced.id, 2)))).toEqual([]);
      expect((await s.send(assignEvent(raced.id))).success).toBe(true);
      const late = await s.send(changeEvent(raced.id, 2));
      expect(late).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
      // Asked again now, the restriction says what the event said.
      const again = await ask(change(raced.id, 2));
      expect(codes(again)).toEqual(['SEAT_CHANGE_NOT_ALLOWED']);
      expect(late.message).toBe(messages(again)[0]);
    });
  });

  describe('the product (in-process module)', () => {
    it('is asked with the store view and what the store found, and its restrictions are added', async () => {
      const { id } = await account(5, 2);
      product.answer = async () => ({
        restrictions: [{ details: { code: 'DOWNGRADE_OF_PLAN_NOT_ALLOWED', message: 'Downgrades are yearly.' } }],
      });
      const answer = await ask(change(id, 2));
      expect(codes(answer)).toEqual(['SEAT_CHANGE_NOT_ALLOWED', 'DOWNGRADE_OF_PLAN_NOT_ALLOWED']);
      expect((answer.body.restrictions as Array<{ operation: string }>)[1]!.operation).toBe('SUBSCRIPTION_CHANGE');
      const asked = product.asked[0]!;
      expect(asked).toMatchObject({
        type: 'restrictions',
        mode: 'decide',
        partner: 'APPDIRECT',
        accountIdentifier: id,
        data: {
          account: { accountIdentifier: id, status: 'active', maxUsers: 5, seatsUsed: 3 },
          found: [{ details: { code: 'SEAT_CHANGE_NOT_ALLOWED' } }],
        },
      });
    });

    it('fails open by default when the product does not answer in time: recorded as unanswered, only the store restricts', async () => {
      const { id } = await account(5);
      product.answer = () => new Promise((resolve) => setTimeout(() => resolve({ restrictions: [] }), 3000).unref());
      const started = Date.now();
      const answer = await ask(change(id, 4));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(answer).toEqual({ status: 200, body: { restrictions: [] } });
      const stored = await s.subject.db.prisma.restrictionAnswer.findFirst({
        where: { accountId: id },
        orderBy: { id: 'desc' },
      });
      expect(stored).toMatchObject({ product: 'unanswered', restricted: false });
      expect(stored!.productError).toMatch(/did not answer within/);
    });

    it('treats an answer that is not one as unanswered', async () => {
      const { id } = await account(5);
      product.answer = async () => ({ restrictions: [{ details: { code: 'NOT_A_CODE', message: 'x' } }] });
      expect(codes(await ask(change(id, 4)))).toEqual([]);
      const stored = await s.subject.db.prisma.restrictionAnswer.findFirst({
        where: { accountId: id },
        orderBy: { id: 'desc' },
      });
      expect(stored!.productError).toMatch(/not a restrictions answer/);
    });

    it('fails closed with PRODUCT_RESTRICTIONS_UNANSWERED=restrict', async () => {
      const strict = await listen(
        await startTestApp(
          {
            APPDIRECT_CONSUMER_KEY: CONSUMER.key,
            APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
            PRODUCT_DECIDE: 'restrictions',
            PRODUCT_RESTRICTIONS_UNANSWERED: 'restrict',
            SYNC_ANSWER_BUDGET_MS: '600',
          },
          { hooks: { restrictions: () => new Promise(() => undefined) } },
          s.subject.db,
        ),
      );
      try {
        const { id } = await account(5);
        const answer = await askRestrictions(strict.url, change(id, 4), oauth1);
        expect(codes(answer)).toEqual(['GENERIC_RESTRICTION_ERROR_MSG']);
      } finally {
        await strict.close();
      }
    });
  });

  describe('the product over Standard Webhooks (the example product)', () => {
    let example: ExampleProduct;
    let hooked: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      example = await startExampleProduct({ secret: WEBHOOK_SECRET, seatLimit: 10 });
      hooked = await listen(
        await startTestApp(
          {
            APPDIRECT_CONSUMER_KEY: CONSUMER.key,
            APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
            PRODUCT_WEBHOOK_URL: example.url,
            PRODUCT_WEBHOOK_SECRETS: WEBHOOK_SECRET,
            PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
            PRODUCT_DECIDE: 'restrictions',
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

    it('asks the signed webhook and adds its own limit to the store rules', async () => {
      const { id } = await account(20, 1);
      const answer = await askRestrictions(hooked.url, change(id, 12), oauth1);
      expect(codes(answer)).toEqual(['INVALID_MAX_NUMBER_OF_SEATS']);
      expect(messages(answer)).toEqual(['A workspace holds at most 10 users; 12 were asked for.']);
      expect(codes(await askRestrictions(hooked.url, change(id, 1), oauth1))).toEqual(['SEAT_CHANGE_NOT_ALLOWED']);
      expect(example.rejected).toBe(0);
      expect(example.questions.map((q) => q.question.accountIdentifier)).toEqual([id, id]);
      // Each question is a call of its own (a fresh webhook-id).
      expect(new Set(example.questions.map((q) => q.id)).size).toBe(2);
    });
  });

  describe('what operators see', () => {
    it('keeps answers for 30 days', async () => {
      const prisma = s.subject.db.prisma;
      const { id } = await account(5);
      await ask(change(id, 4));
      const kept = await prisma.restrictionAnswer.findFirstOrThrow({ where: { accountId: id } });
      const old = await prisma.restrictionAnswer.create({
        data: { ...kept, id: undefined, restrictions: [], at: new Date(Date.now() - 31 * 24 * 3600 * 1000) },
      });
      expect(await purgeOldAnswers(prisma)).toBeGreaterThanOrEqual(1);
      expect(await prisma.restrictionAnswer.findUnique({ where: { id: old.id } })).toBeNull();
      expect(await prisma.restrictionAnswer.findUnique({ where: { id: kept.id } })).not.toBeNull();
    });

    it('shows recent answers in the admin account and counts them in /metrics', async () => {
      const { id, companyUuid } = await account(2, 1);
      await ask({ operation: 'SUBSCRIPTION_ORDER', applicationUuid: APPLICATION, companyUuid });
      await ask(assignment(id, [person()]));
      await ask(change(id, 2), oauth1, 'v1');
      const res = await fetch(`${s.serviceUrl}/admin/api/accounts/${id}`, {
        headers: { Authorization: `Bearer ${ADMIN}` },
      });
      const detail = (await res.json()) as {
        restrictionAnswers: Array<{ operation: string; restrictions: unknown[]; product: string }>;
      };
      expect(detail.restrictionAnswers.map((a) => [a.operation, codesOf(a.restrictions), a.product])).toEqual([
        ['SUBSCRIPTION_CHANGE', [], 'answered'],
        ['USER_ASSIGNMENT', ['MAX_ENTITLEMENTS_REACHED'], 'answered'],
        ['SUBSCRIPTION_ORDER', ['SUBSCRIPTION_ALREADY_EXISTS'], 'answered'],
      ]);
      const metrics = await (await fetch(`${s.serviceUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /appdirect_restriction_answers_total\{operation="USER_ASSIGNMENT",outcome="restricted",product="answered"[^}]*\} [1-9]/,
      );
    });
  });
});

const codesOf = (restrictions: unknown[]) =>
  (restrictions as Array<{ details: { code: string } }>).map((r) => r.details.code);
