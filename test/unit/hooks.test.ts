import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config';
import { loadHooks, loggingHooks, moduleTransport } from '../../src/hooks';
import { buildCall } from '../../src/hooks/calls';
import { readDecision, type ProductCall } from '../../src/hooks/contract';
import { ProductCallFailure } from '../../src/hooks/failure';
import { connectProduct, productConnection } from '../../src/hooks/product';
import { withGeneratedReference } from '../../src/docs/hooks';
import { CircuitBreaker } from '../../src/hooks/circuit-breaker';
import { isPrivateAddress, webhookTransport } from '../../src/hooks/webhook';
import { createLogger } from '../../src/logging/logger';

const logger = createLogger('silent', 'test');
const SECRET = `whsec_${Buffer.from('a-secret-of-at-least-24-bytes!!').toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.from('the-previous-secret-24-bytes!!!').toString('base64')}`;
const source = {
  token: 'tok-1',
  development: true,
  marketplaceBaseUrl: 'https://marketplace.example',
  receivedAt: new Date('2026-12-02T10:00:00Z'),
};
const settings = { decideKinds: ['accountCreated' as const], callTimeoutMs: 500, decideDeadlineMs: 10_000 };

const accountCreated = (): ProductCall =>
  buildCall(
    {
      kind: 'accountCreated',
      accountId: 'acct-1',
      args: {
        accountIdentifier: 'acct-1',
        company: { uuid: 'c-1', name: 'Acme' },
        editionCode: 'PRO',
        maxUsers: 5,
        owner: { uuid: 'u-1', email: 'a@acme.example', firstName: null, lastName: null },
      },
    },
    source,
    'decide',
  );

describe('the product contract', () => {
  it('builds a versioned call with the event context, and refuses args the contract does not define', () => {
    expect(accountCreated()).toMatchObject({
      type: 'accountCreated',
      version: 1,
      mode: 'decide',
      eventToken: 'tok-1',
      development: true,
      accountIdentifier: 'acct-1',
      receivedAt: '2026-12-02T10:00:00.000Z',
    });
    expect(() =>
      buildCall(
        { kind: 'accountChanged', accountId: 'a', args: { accountIdentifier: 'a', editionCode: 'X', maxUsers: 'ten' } },
        source,
        'notify',
      ),
    ).toThrow();
  });

  it('reads accept, refuse and pending, and names what is wrong with anything else', () => {
    expect(readDecision({ decision: 'accept', accountIdentifier: 'tenant-7' })).toEqual({
      decision: { decision: 'accept', accountIdentifier: 'tenant-7' },
    });
    expect(
      readDecision({ decision: 'refuse', errorCode: 'USER_ALREADY_EXISTS', message: 'Domain taken.' }),
    ).toHaveProperty('decision');
    expect(readDecision({ decision: 'pending' })).toHaveProperty('decision');
    expect(readDecision({ decision: 'refuse', errorCode: 'PENDING', message: 'x' })).toHaveProperty('problems');
    expect(readDecision({ decision: 'refuse', errorCode: 'FORBIDDEN' })).toEqual({
      problems: [expect.stringContaining('message')],
    });
    expect(readDecision('ok')).toHaveProperty('problems');
  });
});

describe('the in-process module', () => {
  it('loads the module named by PROVISIONING_HOOKS_MODULE; a decide handler returns the decision', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hooks-'));
    const file = path.join(dir, 'hooks.js');
    writeFileSync(
      file,
      `exports.hooks = { async accountCreated(call, ctx) { return { decision: 'accept', accountIdentifier: 'own-' + call.data.company.uuid, message: ctx.idempotencyKey }; } };`,
    );
    const product = productConnection(moduleTransport(await loadHooks(file), logger), settings);
    const { decision } = await product.decide(accountCreated(), 'decide_tok-1_accountCreated');
    expect(decision).toEqual({
      decision: 'accept',
      accountIdentifier: 'own-c-1',
      message: 'decide_tok-1_accountCreated',
    });
  });

  it('turns a throw, a timeout and an answer that is not a decision into ProductCallFailure with the reason', async () => {
    const throwing = productConnection(
      moduleTransport({ accountCreated: async () => Promise.reject(new Error('db down')) }, logger),
      settings,
    );
    await expect(throwing.decide(accountCreated(), 'k')).rejects.toThrow('the handler threw: db down');
    const slow = productConnection(
      moduleTransport({ accountCreated: () => new Promise(() => undefined) }, logger),
      settings,
    );
    await expect(slow.decide(accountCreated(), 'k', 50)).rejects.toThrow('did not answer within 50 ms');
    const vague = productConnection(
      moduleTransport({ accountCreated: async () => ({ decision: 'maybe' }) as never }, logger),
      settings,
    );
    const failure = await vague.decide(accountCreated(), 'k').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProductCallFailure);
    expect((failure as ProductCallFailure).record).toMatchObject({ outcome: 'failed', answer: { decision: 'maybe' } });
  });

  it('refuses a module that exports no hooks, and defaults to hooks that only log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hooks-'));
    const file = path.join(dir, 'empty.js');
    writeFileSync(file, 'exports.nothing = 1;');
    await expect(loadHooks(file)).rejects.toThrow('exports no ProvisioningHooks');
    expect(await loadHooks(undefined)).toBe(loggingHooks);
    expect(Object.keys(loggingHooks)).toHaveLength(15);
  });
});

describe('questions (src/hooks/questions.ts)', () => {
  const question = {
    type: 'restrictions' as const,
    version: 1 as const,
    mode: 'decide' as const,
    questionId: 'restrictions-1',
    partner: 'APPDIRECT',
    accountIdentifier: null,
    receivedAt: '2026-12-08T00:00:00.000Z',
    data: { question: { operation: 'SUBSCRIPTION_ORDER' as const, companyUuid: 'c-1' }, account: null, found: [] },
  };

  it('asks only the questions PRODUCT_DECIDE names, and checks the answer against its schema', async () => {
    const answers: unknown[] = [{ restrictions: [] }, { restrictions: [{ details: { code: 'NOPE', message: 'x' } }] }];
    const transport = moduleTransport({ restrictions: async () => answers.shift() as { restrictions: [] } }, logger);
    const asking = productConnection(transport, { ...settings, questionKinds: ['restrictions'] });
    expect([asking.answers('restrictions'), productConnection(transport, settings).answers('restrictions')]).toEqual([
      true,
      false,
    ]);
    expect((await asking.ask(question, 500)).answer).toEqual({ restrictions: [] });
    await expect(asking.ask(question, 500)).rejects.toThrow(/not a restrictions answer: restrictions.0.details.code/);
  });

  it('refuses to start a module that lacks a question PRODUCT_DECIDE names', async () => {
    const config = loadConfig({ PRODUCT_DECIDE: 'restrictions' });
    await expect(connectProduct(config, logger, { hooks: { userAssigned: async () => undefined } })).rejects.toThrow(
      /PRODUCT_DECIDE names restrictions/,
    );
  });
});

describe('the webhook transport (Standard Webhooks)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let answer: { status: number; body: string } = { status: 200, body: '{"decision":"accept"}' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/appdirect`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (received.length = 0));

  const transport = (secrets = [SECRET]) =>
    productConnection(webhookTransport({ url, secrets, allowPrivateTargets: true }), settings);

  it('signs each call so that standardwebhooks verifies it with either active secret, and fails when tampered', async () => {
    const { decision } = await transport([SECRET, OLD_SECRET]).decide(accountCreated(), 'decide_tok-1_accountCreated');
    expect(decision).toEqual({ decision: 'accept' });
    const [{ headers, body }] = received as [(typeof received)[0]];
    const signed = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(signed['webhook-id']).toBe('decide_tok-1_accountCreated');
    expect(new Webhook(SECRET).verify(body, signed)).toMatchObject({ type: 'accountCreated', mode: 'decide' });
    expect(new Webhook(OLD_SECRET).verify(body, signed)).toMatchObject({ type: 'accountCreated' });
    expect(() => new Webhook(SECRET).verify(body.replace('Acme', 'Evil'), signed)).toThrow();
    const other = `whsec_${Buffer.from('somebody-else-s-secret-24-bytes').toString('base64')}`;
    expect(() => new Webhook(other).verify(body, signed)).toThrow();
  });

  it('keeps the webhook-id across retries of the same call', async () => {
    const product = transport();
    answer = { status: 503, body: 'busy' };
    await expect(product.notify({ ...accountCreated(), mode: 'notify' }, 'call_42')).rejects.toThrow('HTTP 503: busy');
    answer = { status: 204, body: '' };
    await product.notify({ ...accountCreated(), mode: 'notify' }, 'call_42');
    expect(received.map((r) => r.headers['webhook-id'])).toEqual(['call_42', 'call_42']);
    answer = { status: 200, body: '{"decision":"accept"}' };
  });

  it('takes a decide answer that is not JSON, or not a decision, as a failure with the reason kept', async () => {
    answer = { status: 200, body: '<html>ok</html>' };
    await expect(transport().decide(accountCreated(), 'k')).rejects.toThrow('body that is not JSON');
    answer = { status: 200, body: '{"decision":"refuse","errorCode":"NOPE","message":"x"}' };
    await expect(transport().decide(accountCreated(), 'k')).rejects.toThrow('the answer is not a decision: errorCode');
    answer = { status: 200, body: '{"decision":"accept"}' };
  });

  it('refuses a loopback target unless private targets are allowed', async () => {
    const strict = productConnection(
      webhookTransport({ url, secrets: [SECRET], allowPrivateTargets: false }),
      settings,
    );
    await expect(strict.decide(accountCreated(), 'k')).rejects.toThrow('a private address');
    expect(received).toHaveLength(0);
    expect(
      ['10.1.2.3', '172.20.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fd00::1', '169.254.169.254'].every(
        isPrivateAddress,
      ),
    ).toBe(true);
    expect(['93.184.216.34', '2606:4700::1'].some(isPrivateAddress)).toBe(false);
  });
});

describe('the circuit breaker', () => {
  it('opens after the failures in a row, fails at once while open, lets one trial through after the open period', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 3, openMs: 1000 }, () => now);
    for (let i = 0; i < 3; i += 1) {
      breaker.check();
      breaker.failed();
    }
    expect(() => breaker.check()).toThrow('circuit open');
    now = 1000;
    expect(() => breaker.check()).not.toThrow(); // the trial
    expect(() => breaker.check()).toThrow('circuit open'); // others wait for it
    breaker.succeeded();
    expect(() => breaker.check()).not.toThrow();
  });
});

describe('product configuration', () => {
  const base = { DATABASE_URL: 'postgres://localhost/x' };
  it('reads the webhook, its secrets, the decided kinds and the API tokens', () => {
    const config = loadConfig({
      ...base,
      PRODUCT_WEBHOOK_URL: 'https://product.example/hook',
      PRODUCT_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`,
      PRODUCT_DECIDE: 'accountCreated,userAssigned',
      PRODUCT_API_TOKENS: 'product-token-0123456789',
    });
    expect(config.product).toMatchObject({
      webhookUrl: 'https://product.example/hook',
      webhookSecrets: [SECRET, OLD_SECRET],
      decideKinds: ['accountCreated', 'userAssigned'],
      apiTokens: ['product-token-0123456789'],
      callTimeoutMs: 5000,
    });
    expect(loadConfig({ ...base, PRODUCT_DECIDE: 'all' }).product.decideKinds).toHaveLength(14);
    // Questions are named, never implied by `all` (a product written before one existed is not asked it).
    expect(loadConfig({ ...base, PRODUCT_DECIDE: 'all' }).product.questionKinds).toEqual([]);
    const both = loadConfig({ ...base, PRODUCT_DECIDE: 'accountCreated,restrictions' }).product;
    expect([both.decideKinds, both.questionKinds, both.restrictionsUnanswered]).toEqual([
      ['accountCreated'],
      ['restrictions'],
      'allow',
    ]);
  });

  it('reports every bad product setting at once', () => {
    expect(() =>
      loadConfig({
        ...base,
        PRODUCT_WEBHOOK_URL: 'https://product.example/hook',
        PRODUCT_DECIDE: 'accountMade',
        PRODUCT_API_TOKENS: 'short',
      }),
    ).toThrow(
      /PRODUCT_DECIDE: unknown call kind\(s\) accountMade[\s\S]*PRODUCT_API_TOKENS[\s\S]*PRODUCT_WEBHOOK_SECRETS: required/,
    );
    expect(() => loadConfig({ ...base, PRODUCT_WEBHOOK_SECRETS: 'not-a-secret' })).toThrow('whsec_');
  });
});

describe('docs/hooks.md', () => {
  it('carries the JSON Schemas of the current contract (run `npm run docs:hooks` after changing it)', () => {
    const onDisk = readFileSync(path.join(__dirname, '..', '..', 'docs', 'hooks.md'), 'utf8');
    expect(onDisk).toBe(withGeneratedReference(onDisk));
    expect(onDisk).toContain('### accountCreated');
    expect(onDisk).toContain('"USER_ALREADY_EXISTS"');
  });
});
