/**
 * Issue 26.3: AppDirect's domain association calls over real HTTP, signed as AppDirect signs them (the fake
 * marketplace's independent OAuth 1.0a signer): authenticated, validated, delegated to the product over both
 * transports; 501 from the catalogue without a product that manages domains.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ProvisioningHooks } from '../../src/hooks';
import type { ProductQuestion } from '../../src/hooks/questions';
import { askConnector, type Answer } from '../../tools/fake-marketplace/connector';
import { signedRequest, type NotifyAuth } from '../../tools/fake-marketplace/notify';
import { startTestApp, type TestApp } from '../support/app';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const CONSUMER = { key: 'domains-key', secret: 'domains-secret' };
const DOMAIN_KINDS = 'domainDnsRecords,domainAdded,domainRemoved,domainOwnership';
const WEBHOOK_SECRET = `whsec_${Buffer.from('domains-webhook-secret-0123456789abcd').toString('base64')}`;
const PROOF = {
  txt: [{ name: '_adp.customer.example', ttl: 3600, text: 'adp-verify=42' }],
  mx: [],
  cname: [],
  srv: [],
};

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

/** A signed request to the service without a body (GET, DELETE), as AppDirect sends it. */
async function call(
  serviceUrl: string,
  method: 'GET' | 'DELETE' | 'POST',
  path: string,
  query: Record<string, string>,
  auth: NotifyAuth,
): Promise<Answer & { headers: Headers }> {
  // DELETE is signed like any method: oauth-1.0a's signer takes it as it is.
  const request = signedRequest(method as 'GET', new URL(path, serviceUrl), query, auth);
  const response = await fetch(request.url, { method, headers: request.headers });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

describe('/api/v{1,2}/domainassociation/customers/{customerIdentifier}/domains…', () => {
  let s: Scenario;
  const oauth1: NotifyAuth = { type: 'oauth1', ...CONSUMER };
  const asked: ProductQuestion[] = [];
  let slow = false;
  const hooks: ProvisioningHooks = {
    domainDnsRecords: async (q) => {
      asked.push(q);
      // Longer than the budget; unref'd so it holds nothing open after the test.
      if (slow) await new Promise((resolve) => setTimeout(resolve, 3000).unref());
      return q.data.purpose === 'ownershipProof'
        ? PROOF
        : { txt: [], mx: [], cname: [{ name: `app.${q.data.domain}`, alias: 'tenants.product.example' }], srv: [] };
    },
    domainAdded: async (q) => {
      asked.push(q);
      return q.data.domain.endsWith('.invalid')
        ? { done: false, message: 'That domain cannot be used.' }
        : { done: true };
    },
    domainRemoved: async (q) => {
      asked.push(q);
      return { done: true };
    },
    domainOwnership: async (q) => {
      asked.push(q);
      return { verified: q.data.domain === 'customer.example' };
    },
  };
  const base = (version = 'v2', customer = 'cust-1') =>
    `/api/${version}/domainassociation/customers/${customer}/domains`;

  beforeAll(async () => {
    s = await startScenario(
      {
        APPDIRECT_CONSUMER_KEY: CONSUMER.key,
        APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
        PRODUCT_DECIDE: DOMAIN_KINDS,
        SYNC_ANSWER_BUDGET_MS: '1000',
      },
      { hooks, marketplace: { consumer: CONSUMER } },
    );
  });
  afterAll(() => s.close());
  beforeEach(() => {
    asked.length = 0;
    slow = false;
  });

  it.each(['v1', 'v2'])('gives the DNS records the product names (%s), per type', async (version) => {
    const proof = await call(
      s.serviceUrl,
      'GET',
      `${base(version)}/Customer.Example/dns`,
      { type: 'ownershipProof' },
      oauth1,
    );
    expect(proof).toMatchObject({ status: 200, body: PROOF });
    const config = await call(
      s.serviceUrl,
      'GET',
      `${base(version)}/customer.example/dns`,
      { type: 'CONFIGURATION' },
      oauth1,
    );
    expect(config.body).toEqual({
      txt: [],
      mx: [],
      cname: [{ name: 'app.customer.example', alias: 'tenants.product.example' }],
      srv: [],
    });
    const other = await call(s.serviceUrl, 'GET', `${base(version)}/customer.example/dns`, { type: 'spf' }, oauth1);
    expect(other.body).toEqual({ txt: [], mx: [], cname: [], srv: [] });
    const deprecated = await call(
      s.serviceUrl,
      'GET',
      `${base(version)}/customer.example/ownershipProofRecord`,
      {},
      oauth1,
    );
    expect(deprecated.body).toEqual(PROOF);
    expect(
      asked.map((q) => [q.type, (q.data as { purpose: string }).purpose, (q.data as { domain: string }).domain]),
    ).toEqual([
      ['domainDnsRecords', 'ownershipProof', 'customer.example'],
      ['domainDnsRecords', 'configuration', 'customer.example'],
      ['domainDnsRecords', 'ownershipProof', 'customer.example'],
    ]);
  });

  it('adds and removes a domain, and answers a refusal with 422 DOMAIN_REFUSED', async () => {
    const added = await askConnector(s.serviceUrl, base(), {}, { domainName: 'customer.example' }, oauth1);
    expect(added).toEqual({ status: 200, body: {} });
    const refused = await askConnector(s.serviceUrl, base(), {}, { domainName: 'customer.invalid' }, oauth1);
    expect([refused.status, refused.body.code, refused.body.message]).toEqual([
      422,
      'DOMAIN_REFUSED',
      'The product refused: That domain cannot be used.',
    ]);
    const removed = await call(s.serviceUrl, 'DELETE', `${base('v1')}/customer.example`, {}, oauth1);
    expect([removed.status, removed.body]).toEqual([200, {}]);
    expect(asked.map((q) => q.type)).toEqual(['domainAdded', 'domainAdded', 'domainRemoved']);
  });

  it('verifies ownership: 202, then the verdict POSTed to the callback URL, signed', async () => {
    const callbackUrl = s.marketplace.domainCallbackUrl('verify-1');
    const answer = await call(
      s.serviceUrl,
      'POST',
      `${base('v2')}/customer.example/ownershipVerification`,
      { callbackUrl, applicationUuid: 'app-1' },
      oauth1,
    );
    expect(answer.status).toBe(202);
    expect(asked[0]).toMatchObject({
      type: 'domainOwnership',
      data: { applicationUuid: 'app-1', domain: 'customer.example' },
    });
    const verdict = await eventually(async () => s.marketplace.domainVerdicts.find((v) => v.id === 'verify-1'));
    expect(verdict).toEqual({ id: 'verify-1', body: { verified: true }, authorised: true });
    const v1 = await call(
      s.serviceUrl,
      'POST',
      `${base('v1')}/other.example/ownershipVerification`,
      { callbackUrl: s.marketplace.domainCallbackUrl('verify-2') },
      oauth1,
    );
    expect(v1.status).toBe(202);
    expect(await eventually(async () => s.marketplace.domainVerdicts.find((v) => v.id === 'verify-2'))).toMatchObject({
      body: { verified: false },
    });
  });

  it('refuses before asking: a bad domain, a bad body, a callback elsewhere, a wrong signature', async () => {
    const badDomain = await call(s.serviceUrl, 'GET', `${base()}/not_a_domain/dns`, { type: 'ownershipProof' }, oauth1);
    expect([badDomain.status, badDomain.body.code]).toEqual([400, 'PARAMETER_INVALID']);
    const badBody = await askConnector(s.serviceUrl, base(), {}, { domain: 'customer.example' }, oauth1);
    expect([badBody.status, badBody.body.code]).toEqual([400, 'BODY_INVALID']);
    const elsewhere = await call(
      s.serviceUrl,
      'POST',
      `${base()}/customer.example/ownershipVerification`,
      { callbackUrl: 'https://elsewhere.example/verdict', applicationUuid: 'app-1' },
      oauth1,
    );
    expect([elsewhere.status, elsewhere.body.code]).toEqual([400, 'PARAMETER_INVALID']);
    const wrong = await call(
      s.serviceUrl,
      'GET',
      `${base()}/customer.example/dns`,
      { type: 'ownershipProof' },
      {
        type: 'oauth1',
        key: CONSUMER.key,
        secret: 'wrong',
      },
    );
    expect([wrong.status, wrong.body.code]).toEqual([401, 'AUTH_BAD_SIGNATURE']);
    expect(asked).toEqual([]);
  });

  it('answers 503 PRODUCT_UNANSWERED with Retry-After when the product does not answer in time', async () => {
    slow = true;
    const late = await call(s.serviceUrl, 'GET', `${base()}/customer.example/dns`, { type: 'ownershipProof' }, oauth1);
    expect([late.status, late.body.code, late.headers.get('retry-after')]).toEqual([503, 'PRODUCT_UNANSWERED', '5']);
  });

  it('answers 501 DOMAINS_NOT_SUPPORTED without a product that manages domains', async () => {
    const bare = await listen(
      await startTestApp(
        { APPDIRECT_CONSUMER_KEY: CONSUMER.key, APPDIRECT_CONSUMER_SECRET: CONSUMER.secret },
        {},
        s.subject.db,
      ),
    );
    try {
      const answers = [
        await call(bare.url, 'GET', `${base()}/customer.example/dns`, { type: 'ownershipProof' }, oauth1),
        await call(bare.url, 'GET', `${base()}/customer.example/dns`, { type: 'other' }, oauth1),
        await call(bare.url, 'DELETE', `${base()}/customer.example`, {}, oauth1),
        await askConnector(bare.url, base(), {}, { domainName: 'customer.example' }, oauth1),
      ];
      expect(answers.map((a) => [a.status, a.body.code])).toEqual(Array(4).fill([501, 'DOMAINS_NOT_SUPPORTED']));
    } finally {
      await bare.close();
    }
  });

  it('asks a product over Standard Webhooks the same questions', async () => {
    const verifier = new Webhook(WEBHOOK_SECRET);
    const received: ProductQuestion[] = [];
    const product = express();
    product.post('/hooks', express.text({ type: 'application/json' }), (req, res) => {
      const question = verifier.verify(String(req.body), {
        'webhook-id': req.get('webhook-id') ?? '',
        'webhook-timestamp': req.get('webhook-timestamp') ?? '',
        'webhook-signature': req.get('webhook-signature') ?? '',
      }) as ProductQuestion;
      received.push(question);
      res.json(question.type === 'domainDnsRecords' ? PROOF : { done: true });
    });
    const productServer: Server = product.listen(0, '127.0.0.1');
    await new Promise((resolve) => productServer.once('listening', resolve));
    const hooked = await listen(
      await startTestApp(
        {
          APPDIRECT_CONSUMER_KEY: CONSUMER.key,
          APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
          PRODUCT_WEBHOOK_URL: `http://127.0.0.1:${(productServer.address() as AddressInfo).port}/hooks`,
          PRODUCT_WEBHOOK_SECRETS: WEBHOOK_SECRET,
          PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
          PRODUCT_DECIDE: DOMAIN_KINDS,
        },
        {},
        s.subject.db,
      ),
    );
    try {
      const records = await call(
        hooked.url,
        'GET',
        `${base()}/customer.example/dns`,
        { type: 'ownershipProof' },
        oauth1,
      );
      expect(records.body).toEqual(PROOF);
      expect((await askConnector(hooked.url, base(), {}, { domainName: 'customer.example' }, oauth1)).status).toBe(200);
      expect(received.map((q) => [q.type, q.mode])).toEqual([
        ['domainDnsRecords', 'decide'],
        ['domainAdded', 'decide'],
      ]);
    } finally {
      await hooked.close();
      productServer.closeAllConnections();
      await new Promise((resolve) => productServer.close(resolve));
    }
  });
});
