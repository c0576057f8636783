/**
 * Issue #25.1: every route's documented examples, sent to the real service (PostgreSQL, Redis, workers, the
 * fake marketplace), are answered with the status the example names and a body the route table declares for
 * that status: an undeclared status, a field the schema does not have, or a refusal code the route does not
 * list fails. The state an example needs (a failed event, an owed product call…) is built first.
 */
import { randomUUID } from 'node:crypto';
import type { ProvisioningHooks } from '../../src/hooks';
import type { AuthScheme, ExampleState } from '../../src/http/route-table/spec';
import { SURFACES } from '../../src/http/surfaces';
import { contractProblems, sendExample, type StateValues } from '../support/contract';
import { notify } from '../../tools/fake-marketplace/notify';
import { accountEvent, assignEvent, orderEvent } from '../support/events';
import { BASIC, startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const ADMIN = 'contract-admin-token-0123456789abcdefghij';
const PRODUCT = 'contract-product-token-0123456789';
const OAUTH2 = { id: 'contract-client', secret: 'contract-client-secret' };

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The credentials of each caller, right and wrong. */
const CREDENTIALS: Record<AuthScheme, { right?: string; wrong?: string }> = {
  admin: { right: `Bearer ${ADMIN}`, wrong: 'Bearer not-an-admin-token-at-all-0123456789' },
  product: { right: `Bearer ${PRODUCT}`, wrong: 'Bearer not-a-product-token' },
  appdirect: { right: basic(BASIC.username, BASIC.password), wrong: basic(BASIC.username, 'wrong-password') },
  'oauth2-client': { right: basic(OAUTH2.id, OAUTH2.secret), wrong: basic(OAUTH2.id, 'wrong-secret') },
  none: {},
};

describe('every route answers its documented examples as its table declares', () => {
  let s: Scenario;
  /** What the in-process product does: answer accountCreated pending, fail userAssigned. */
  const product = { pending: false, failing: false };
  const hooks: ProvisioningHooks = {
    async accountCreated() {
      return product.pending ? { decision: 'pending' } : { decision: 'accept' };
    },
    async userAssigned() {
      if (product.failing) throw new Error('product down');
    },
    // A product that manages customer domains (the domain routes' examples): refuses refused.example.
    async domainDnsRecords() {
      return {
        txt: [{ name: '_verify.customer.example', ttl: 3600, text: 'adp-verify=1' }],
        mx: [],
        cname: [],
        srv: [],
      };
    },
    async domainAdded(q) {
      return q.data.domain === 'refused.example' ? { done: false, message: 'Not this one.' } : { done: true };
    },
    async domainRemoved() {
      return { done: true };
    },
    async domainOwnership() {
      return { verified: true };
    },
  };
  const prisma = () => s.subject.db.prisma;

  /** An order that succeeded, with its account. */
  const succeeded = async (): Promise<StateValues> => {
    const order = orderEvent();
    const result = await s.send(order);
    const companyUuid = (order.payload.company as { uuid: string }).uuid;
    // externalVendorId: AppDirect's name for our accountIdentifier (the restrictions question).
    const accountIdentifier = result.accountIdentifier!;
    return { token: result.token, accountIdentifier, externalVendorId: accountIdentifier, companyUuid };
  };
  /** Posts `document` under a fresh token whose result POST the marketplace refuses for good (400). */
  const withRefusedResult = async (document: Record<string, unknown>): Promise<string> => {
    const token = randomUUID();
    s.marketplace.resultFaults.push({ status: 400, times: 1, token });
    const { eventUrl } = s.marketplace.addEvent(document, token);
    expect((await notify(s.serviceUrl, eventUrl, s.auth)).status).toBe(202);
    await eventually(
      async () => (await prisma().resultDelivery.findFirst({ where: { event: { token } } }))?.status === 'failed',
    );
    return token;
  };

  const STATES: Record<ExampleState, () => Promise<{ values: StateValues; after?: () => Promise<void> }>> = {
    'a succeeded event': async () => ({ values: await succeeded() }),
    // Unreadable (INVALID_RESPONSE), and AppDirect never got the failure: it runs again without force.
    'a failed event': async () => ({
      values: { token: await withRefusedResult({ type: 'SUBSCRIPTION_ORDER', payload: {} }) },
    }),
    'an undelivered result': async () => ({ values: { token: await withRefusedResult(orderEvent()) } }),
    'an unfinished event': async () => {
      await s.stopWorkers();
      const { token } = await s.post(orderEvent());
      return { values: { token }, after: async () => s.startWorkers() };
    },
    'an owed product call': async () => {
      const { accountIdentifier } = await succeeded();
      product.failing = true;
      const { token } = await s.post(assignEvent(accountIdentifier!));
      const call = await eventually(() =>
        prisma().hookCall.findFirst({ where: { eventToken: token, kind: 'userAssigned', attempts: { gt: 0 } } }),
      );
      return { values: { token, id: call.id.toString() } };
    },
    'a pending decision': async () => {
      product.pending = true;
      const { token } = await s.post(orderEvent());
      await eventually(async () => (await prisma().event.findUnique({ where: { token } }))?.productDecision !== null);
      product.pending = false;
      return { values: { token, eventToken: token } };
    },
    'an event at the marketplace': async () => ({
      values: { eventUrl: s.marketplace.addEvent(orderEvent()).eventUrl },
    }),
    'a domain verification callback at the marketplace': async () => ({
      values: { callbackUrl: s.marketplace.domainCallbackUrl() },
    }),
    'a failed report': async () => {
      const { accountIdentifier } = await succeeded();
      s.marketplace.usageFaults.push({ status: 400, times: 1, accountIdentifier });
      const answer = await fetch(`${s.serviceUrl}/product/api/accounts/${accountIdentifier}/usage`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${PRODUCT}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          items: [{ unit: 'UNIT', quantity: '1' }],
          currency: 'USD',
          date: new Date().toISOString(),
        }),
      });
      const { reportId } = (await answer.json()) as { reportId: string };
      await eventually(
        async () =>
          (await prisma().marketplaceReport.findUnique({ where: { id: BigInt(reportId) } }))?.status === 'failed',
      );
      return { values: { id: reportId } };
    },
    'an active add-on': async () => {
      const { accountIdentifier } = await succeeded();
      const addon = await s.send(
        accountEvent('ADDON_ORDER', accountIdentifier!, { order: { addonOfferingCode: 'BACKUP', items: [] } }),
      );
      return { values: { accountIdentifier: accountIdentifier!, addonInstanceId: addon.accountIdentifier! } };
    },
  };

  beforeAll(async () => {
    s = await startScenario(
      {
        ADMIN_TOKEN: `ops:${ADMIN}`,
        PRODUCT_API_TOKENS: PRODUCT,
        APPDIRECT_OAUTH2_CLIENT_ID: OAUTH2.id,
        APPDIRECT_OAUTH2_CLIENT_SECRET: OAUTH2.secret,
        PRODUCT_DECIDE: 'accountCreated,domainDnsRecords,domainAdded,domainRemoved,domainOwnership',
      },
      { hooks },
    );
  });
  afterAll(() => s.close());

  const cases = SURFACES.flatMap(({ surface }) =>
    surface.routes.flatMap((route) =>
      route.examples.map((example) => ({
        name: `${route.method.toUpperCase()} ${surface.base}${route.path}: ${example.summary} (${example.status})`,
        surface,
        route,
        example,
      })),
    ),
  );

  it('has examples to run on every surface', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases)('$name', async ({ surface, route, example }) => {
    const built = example.given ? await STATES[example.given]() : { values: {} };
    try {
      const credentials = CREDENTIALS[route.auth];
      const authorization = example.credentials === 'none' ? undefined : credentials[example.credentials ?? 'right'];
      const answer = await sendExample(s.serviceUrl, surface, route, example, built.values, authorization);
      expect({ status: answer.status, problems: contractProblems(route, answer) }).toEqual({
        status: example.status,
        problems: [],
      });
    } finally {
      product.failing = false;
      await built.after?.();
    }
  });
});
