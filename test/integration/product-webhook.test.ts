/**
 * The vendor's product taking part end to end over signed webhooks: real PostgreSQL, Redis, the fake
 * marketplace, and the example product (examples/product) verifying every call with `standardwebhooks`.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startExampleProduct, type ExampleProduct } from '../../examples/product/app';
import { orderEvent, assignEvent, noticeEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually, startTestWorkers } from '../support/workers';

const SECRET = `whsec_${Buffer.from('example-product-secret-of-32-bytes').toString('base64')}`;
const API_TOKEN = 'product-api-token-0123456789';
const ADMIN = 'admin-token-0123456789abcdefghijklmn';
const DEADLINE_MS = 4_000;

const ownerAt = (domain: string) =>
  person({ email: `${randomUUID().slice(0, 8)}@${domain}`, firstName: 'Dana', lastName: 'Owner' });
const orderFor = (domain: string, options: { edition?: string; companyUuid?: string } = {}) => {
  const document = orderEvent({ seats: 300, creator: ownerAt(domain), companyUuid: options.companyUuid });
  if (options.edition) document.payload.order.editionCode = options.edition;
  return document;
};

describe('connecting the product over signed webhooks', () => {
  let product: ExampleProduct;
  let s: Scenario;

  beforeAll(async () => {
    product = await startExampleProduct({ secret: SECRET, asyncEditions: ['ENTERPRISE'], completeAfterMs: 300 });
    s = await startScenario({
      PRODUCT_WEBHOOK_URL: product.url,
      PRODUCT_WEBHOOK_SECRETS: SECRET,
      PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
      PRODUCT_DECIDE: 'accountCreated',
      PRODUCT_API_TOKENS: API_TOKEN,
      ADMIN_TOKEN: `ops:${ADMIN}`,
      PRODUCT_CALL_TIMEOUT_MS: '1000',
      PRODUCT_DECIDE_DEADLINE_MS: String(DEADLINE_MS),
      PRODUCT_NOTIFY_BACKOFF_MS: '50',
      PRODUCT_CIRCUIT_OPEN_MS: '300',
      // Decide calls are never retried through attempts (they wait), so few are needed.
      EVENT_MAX_ATTEMPTS: '3',
    });
    product.productApi = { url: s.serviceUrl, token: API_TOKEN };
  });
  afterAll(async () => {
    await s.close();
    await product.close();
  });
  afterEach(() => {
    product.failWith = null;
    product.flaky = null;
  });

  const prisma = () => s.subject.db.prisma;
  const call = async (path: string, options: { token?: string; method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${s.serviceUrl}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of JSON bodies
  };

  it("reports the product's own accountIdentifier to AppDirect, and later events use it", async () => {
    const result = await s.send(orderFor('acme.example'));
    expect(result).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^tenant-[0-9a-f]{8}$/) });
    const tenantId = result.accountIdentifier!;
    expect(product.tenants.get(tenantId)).toMatchObject({ domain: 'acme.example', status: 'active' });
    const account = await prisma().account.findUniqueOrThrow({ where: { id: tenantId } });
    expect(account.provisioningStatus).toBe('done');
    // The decision is recorded with the event (done), and every attempt beside it.
    expect(await prisma().hookCall.findFirst({ where: { eventToken: result.token } })).toMatchObject({
      mode: 'decide',
      done: true,
      answer: { decision: 'accept' },
    });
    expect(await prisma().productCallAttempt.findFirst({ where: { eventToken: result.token } })).toMatchObject({
      outcome: 'answered',
      idempotencyKey: `decide_${result.token}_accountCreated`,
    });

    const user = person();
    expect(await s.send(assignEvent(tenantId, user))).toMatchObject({ success: true });
    // The notify call reaches the product with the product's identifier.
    await eventually(async () => product.tenants.get(tenantId)?.users.has(String(user.email)));
    expect(product.rejected).toBe(0);
  });

  it("refuses with the product's code and message; nothing of the account is kept; the company can order again", async () => {
    await s.send(orderFor('globex.example'));
    const companyUuid = randomUUID();
    const refused = await s.send(orderFor('globex.example', { companyUuid }));
    expect(refused).toEqual({
      token: refused.token,
      success: false,
      errorCode: 'USER_ALREADY_EXISTS',
      message: expect.stringContaining('globex.example already has a workspace'),
    });
    expect(await prisma().account.count({ where: { companyUuid } })).toBe(0);
    expect(await prisma().event.findUniqueOrThrow({ where: { token: refused.token } })).toMatchObject({
      status: 'refused',
      errorCode: 'USER_ALREADY_EXISTS',
      accountId: null,
    });

    const again = await s.send(orderFor('initech.example', { companyUuid }));
    expect(again).toMatchObject({ success: true, accountIdentifier: expect.stringMatching(/^tenant-/) });
    expect(await prisma().account.count({ where: { companyUuid } })).toBe(1);
  });

  it('answers once, after the product completes a pending decision through the product API', async () => {
    const { token } = await s.post(orderFor('umbrella.example', { edition: 'ENTERPRISE' }));
    const result = await s.resultOf(token);
    expect(result).toMatchObject({
      success: true,
      accountIdentifier: expect.stringMatching(/^tenant-/),
      message: expect.stringContaining('is ready'),
    });
    expect(await prisma().account.findUnique({ where: { id: result.accountIdentifier! } })).not.toBeNull();
    // The same completion again is idempotent; the marketplace got one result.
    const repeat = await fetch(`${s.serviceUrl}/product/api/decisions/${token}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        decision: 'accept',
        accountIdentifier: result.accountIdentifier,
        message: `Workspace ${result.accountIdentifier} is ready.`,
      }),
    });
    expect(repeat.status).toBe(202);
    expect(await repeat.json()).toMatchObject({ completion: 'already_completed' });
    expect(s.marketplace.resultsFor(token)).toHaveLength(1);
  });

  it('answers PENDING when a pending decision is not completed before the deadline; a late completion is refused', async () => {
    product.productApi = null;
    try {
      const { token } = await s.post(orderFor('hooli.example', { edition: 'ENTERPRISE' }));
      await eventually(async () =>
        (await prisma().event.findUnique({ where: { token } }))?.lastError?.startsWith('awaiting the product'),
      );
      expect(await s.resultOf(token, 20_000)).toMatchObject({ success: false, errorCode: 'PENDING' });
      const late = await fetch(`${s.serviceUrl}/product/api/decisions/${token}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'accept' }),
      });
      expect(late.status).toBe(409);
      expect(await late.json()).toMatchObject({ code: 'DECISION_NOT_AWAITED' });
    } finally {
      product.productApi = { url: s.serviceUrl, token: API_TOKEN };
    }
  }, 60_000);

  it('while the product is down: the order answers PENDING at the deadline, other accounts keep flowing, notify calls are retried until taken', async () => {
    const existing = (await s.send(orderFor('stark.example'))).accountIdentifier!;
    product.failWith = 503;
    const { token } = await s.post(orderFor('wayne.example'));
    const user = person();
    // Another account's event is answered at once; its notify call waits for the product.
    expect(await s.send(assignEvent(existing, user))).toMatchObject({ success: true });
    expect(await s.resultOf(token, 20_000)).toMatchObject({ success: false, errorCode: 'PENDING' });
    expect(await prisma().account.count({ where: { companyName: 'Customer Inc', createdByEventToken: token } })).toBe(
      0,
    );
    const attempts = await prisma().productCallAttempt.findMany({
      where: { eventToken: token },
      orderBy: { id: 'asc' },
    });
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.every((a) => a.outcome === 'failed' && a.idempotencyKey === `decide_${token}_accountCreated`)).toBe(
      true,
    );
    expect(attempts.some((a) => a.httpStatus === 503)).toBe(true);
    expect(product.tenants.get(existing)?.users.has(String(user.email))).toBe(false);

    product.failWith = null;
    await eventually(async () => product.tenants.get(existing)?.users.has(String(user.email)), 20_000);
    const call = await eventually(() =>
      prisma().hookCall.findFirst({ where: { accountId: existing, kind: 'userAssigned', done: true } }),
    );
    // Every attempt of the call carried the same webhook-id.
    const keys = new Set(
      (await prisma().productCallAttempt.findMany({ where: { hookCallId: call.id } })).map((a) => a.idempotencyKey),
    );
    expect([...keys]).toEqual([`call_${call.id}`]);
  }, 60_000);

  it('rejects a tampered call (the product verifies the signature)', async () => {
    const body = JSON.stringify({ type: 'accountClosed', data: { accountIdentifier: 'tenant-1' } });
    const response = await fetch(product.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,Zm9yZ2Vk',
      },
      body,
    });
    expect(response.status).toBe(401);
    expect(product.rejected).toBe(1);
  });

  it('delivers 200 notify calls of one account in order under 2 workers with 20% random 503s; none lost, no result twice', async () => {
    const accountId = (await s.send(orderFor('cyberdyne.example'))).accountIdentifier!;
    const second = startTestWorkers(s.subject, { workerId: 'second-worker' });
    try {
      let seed = 42;
      // A seeded generator: the faults differ per call but the run is repeatable.
      product.flaky = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 < 0.2;
      const users = Array.from({ length: 200 }, () => person());
      const tokens: string[] = [];
      for (const user of users) tokens.push((await s.post(assignEvent(accountId, user))).token);
      for (const token of tokens) expect(await s.resultOf(token, 60_000)).toMatchObject({ success: true });
      await eventually(
        async () => (await prisma().hookCall.count({ where: { accountId, kind: 'userAssigned', done: false } })) === 0,
        60_000,
      );
      const calls = await prisma().hookCall.findMany({
        where: { accountId, kind: 'userAssigned' },
        orderBy: { id: 'asc' },
      });
      expect(calls).toHaveLength(200);
      // The order the product first took each call in is the order of the events.
      const taken: string[] = [];
      for (const { id, call } of product.calls)
        if (call.type === 'userAssigned' && call.accountIdentifier === accountId && !taken.includes(id)) taken.push(id);
      expect(taken).toEqual(calls.map((call) => `call_${call.id}`));
      const order = calls.map((call) => (call.args as { data: { user: { email: string } } }).data.user.email);
      expect(order).toEqual(users.map((user) => user.email));
      for (const token of tokens) expect(s.marketplace.resultsFor(token)).toHaveLength(1);
    } finally {
      product.flaky = null;
      await second.close();
    }
  }, 180_000);

  it('serves the product API with its own tokens: accounts with users and add-ons, by identifier or company; documented', async () => {
    const document = (await call('/product/api/openapi.json')).body;
    await expect(
      SwaggerParser.validate(structuredClone(document) as unknown as Parameters<typeof SwaggerParser.validate>[0]),
    ).resolves.toBeDefined();
    const companyUuid = randomUUID();
    const tenantId = (await s.send(orderFor('oscorp.example', { companyUuid }))).accountIdentifier!;
    const user = person();
    await s.send(assignEvent(tenantId, user));

    expect(await call(`/product/api/accounts/${tenantId}`)).toMatchObject({
      status: 401,
      body: { code: 'PRODUCT_TOKEN_INVALID' },
    });
    expect(await call(`/product/api/accounts/${tenantId}`, { token: ADMIN })).toMatchObject({
      status: 401,
      body: { code: 'PRODUCT_TOKEN_INVALID' },
    });
    const account = await call(`/product/api/accounts/${tenantId}`, { token: API_TOKEN });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      accountIdentifier: tenantId,
      status: 'active',
      company: { uuid: companyUuid },
      addons: [],
    });
    expect(account.body.users.map((u: { email: string; role: string }) => [u.email, u.role])).toEqual([
      [expect.stringContaining('@oscorp.example'), 'owner'],
      [user.email, 'user'],
    ]);
    const byCompany = await call(`/product/api/accounts?companyUuid=${companyUuid}`, { token: API_TOKEN });
    expect(byCompany.body.items.map((a: { accountIdentifier: string }) => a.accountIdentifier)).toEqual([tenantId]);
    expect(await call('/product/api/accounts/nope', { token: API_TOKEN })).toMatchObject({
      status: 404,
      body: { code: 'PRODUCT_ACCOUNT_NOT_FOUND' },
    });
    expect(
      await call('/product/api/decisions/nope', { token: API_TOKEN, method: 'POST', body: { decision: 'accept' } }),
    ).toMatchObject({ status: 404, body: { code: 'PRODUCT_EVENT_NOT_FOUND' } });
    expect(
      await call('/product/api/decisions/nope', { token: API_TOKEN, method: 'POST', body: { decision: 'pending' } }),
    ).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
  });

  it("shows operators each call's attempts; a notify call can be re-sent and a decision re-asked, audited", async () => {
    const existing = (await s.send(orderFor('tyrell.example'))).accountIdentifier!;
    product.failWith = 500;
    const { token: orderToken } = await s.post(orderFor('soylent.example'));
    const assigned = await s.send(assignEvent(existing));
    await eventually(async () => (await prisma().productCallAttempt.count({ where: { eventToken: orderToken } })) > 0);
    const waiting = await call(`/admin/api/events/${orderToken}/product-calls`, { token: ADMIN });
    expect(waiting.body.decisions[0]).toMatchObject({
      kind: 'accountCreated',
      outcome: 'failed',
      httpStatus: 500,
      requestId: `decide_${orderToken}_accountCreated`,
    });
    const notify = await eventually(async () => {
      const listed = await call(`/admin/api/events/${assigned.token}/product-calls`, { token: ADMIN });
      return listed.body.calls[0]?.timeline.length > 0 ? listed.body.calls[0] : null;
    });
    expect(notify).toMatchObject({
      kind: 'userAssigned',
      mode: 'notify',
      done: false,
      timeline: expect.arrayContaining([
        expect.objectContaining({ outcome: 'failed', httpStatus: 500, requestId: `call_${notify.id}` }),
      ]),
    });

    // Re-sent while still owed (its own retries would take it as soon as the product answers again).
    expect(
      await call(`/admin/api/events/${assigned.token}/product-calls/${notify.id}/resend`, {
        token: ADMIN,
        method: 'POST',
        body: {},
      }),
    ).toMatchObject({ status: 202 });
    product.failWith = null;
    expect(
      await call(`/admin/api/events/${orderToken}/product-calls/reask`, { token: ADMIN, method: 'POST', body: {} }),
    ).toMatchObject({ status: 202, body: { reask: 'reasked' } });
    expect(await s.resultOf(orderToken, 20_000)).toMatchObject({
      success: true,
      accountIdentifier: expect.stringMatching(/^tenant-/),
    });
    await eventually(
      async () => (await prisma().hookCall.findUniqueOrThrow({ where: { id: BigInt(notify.id) } })).done,
    );
    expect(
      await call(`/admin/api/events/${assigned.token}/product-calls/${notify.id}/resend`, {
        token: ADMIN,
        method: 'POST',
        body: {},
      }),
    ).toMatchObject({ status: 409, body: { code: 'PRODUCT_CALL_NOT_OWED' } });
    const audit = await prisma().auditLog.findMany({
      where: { action: { startsWith: 'product_calls.' } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((entry) => [entry.actor, entry.action])).toEqual([
      ['ops', 'product_calls.resend'],
      ['ops', 'product_calls.reask.reasked'],
    ]);
  }, 60_000);

  it('shows the calls on the admin page and in the CLI, and the page re-sends an owed call (audited)', async () => {
    // A domain of its own: the example product refuses a second order for a domain it serves.
    const existing = (await s.send(orderFor(`${randomUUID().slice(0, 8)}.example`))).accountIdentifier!;
    expect(existing).toBeDefined();
    product.failWith = 503;
    const assigned = await s.send(assignEvent(existing));
    const owed = await eventually(async () => {
      const listed = await call(`/admin/api/events/${assigned.token}/product-calls`, { token: ADMIN });
      return listed.body.calls[0]?.timeline.length > 0 ? listed.body.calls[0] : null;
    });

    // The page: log in, read the event, press Re-send (a CSRF-protected form).
    const login = await fetch(`${s.serviceUrl}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN }),
      redirect: 'manual',
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${s.serviceUrl}/admin/events/${assigned.token}`, { headers: { cookie } })).text();
    expect(html).toContain('Product calls');
    expect(html).toContain(`call_${owed.id}`);
    expect(html).toContain('503');
    expect(html).toContain(`id="resend-${owed.id}"`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    // The product keeps failing until the re-send is accepted: its own retries (50 ms backoff) cannot take the
    // call first and leave nothing to re-send.
    const resent = await fetch(`${s.serviceUrl}/admin/events/${assigned.token}/product-calls/${owed.id}/resend`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: 'manual',
    });
    expect(resent.status).toBe(303);
    expect(decodeURIComponent(resent.headers.get('location')!)).toContain('being sent again');
    product.failWith = null;
    await eventually(async () => (await prisma().hookCall.findUniqueOrThrow({ where: { id: BigInt(owed.id) } })).done);
    expect(
      await prisma().auditLog.count({
        where: { action: 'product_calls.resend', target: `${assigned.token}#${owed.id}` },
      }),
    ).toBe(1);

    // The CLI: the same calls as the API under --json, and in `events show` for people.
    const cli = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/appdirect-provisioner-admin.cjs', ...args], {
          cwd: path.resolve(__dirname, '..', '..'),
          env: { ...process.env, ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${ADMIN}` },
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const api = await call(`/admin/api/events/${assigned.token}/product-calls`, { token: ADMIN });
    const asJson = await cli('events', 'calls', assigned.token, '--json');
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.out)).toEqual(api.body);
    const shown = await cli('events', 'show', assigned.token);
    expect(shown.out).toContain(`product call ${owed.id}: userAssigned (notify), taken`);
    expect(shown.out).toContain(`call_${owed.id}`);
  }, 60_000);

  it('sends a call owed from before the contract (flat args) in the contract shape, rebuilt from its event', async () => {
    const order = await s.send(orderFor('massive.example'));
    const tenantId = order.accountIdentifier!;
    const legacy = await prisma().hookCall.create({
      data: {
        kind: 'accountSuspended',
        accountId: tenantId,
        eventToken: order.token,
        args: { accountIdentifier: tenantId },
      },
    });
    await s.subject.deps.producer.ensureHookJob(legacy.id);
    await eventually(async () => (await prisma().hookCall.findUniqueOrThrow({ where: { id: legacy.id } })).done);
    const received = product.calls.find((entry) => entry.id === `call_${legacy.id}`)!.call;
    expect(received).toMatchObject({
      type: 'accountSuspended',
      version: 1,
      mode: 'notify',
      eventToken: order.token,
      accountIdentifier: tenantId,
      data: { accountIdentifier: tenantId },
    });
    expect(product.tenants.get(tenantId)?.status).toBe('suspended');
  });

  it("bills the product's usage on an upcoming invoice: notice -> upcomingInvoice -> product API -> AppDirect, once", async () => {
    const tenantId = (await s.send(orderFor('invoiced.example'))).accountIdentifier!;
    await s.send(assignEvent(tenantId, person()));
    await eventually(async () => product.tenants.get(tenantId)?.users.size === 2);
    // The product is down for the first try of its call: the call is made again, the usage reported once.
    product.failWith = 503;
    const notice = await s.send(noticeEvent(tenantId, 'UPCOMING_INVOICE'));
    expect(notice).toMatchObject({ success: true, message: 'Upcoming invoice noted.' });
    await eventually(
      async () => (await prisma().hookCall.findFirst({ where: { eventToken: notice.token } }))?.attempts,
    );
    product.failWith = null;
    const billed = await eventually(async () => s.marketplace.usageOf(tenantId)[0]);
    expect(billed.text).toContain('"items":[{"unit":"USER","quantity":2,"price":4.50,"description":"Active users"}]');
    const report = await prisma().marketplaceReport.findFirstOrThrow({ where: { accountId: tenantId } });
    expect(report).toMatchObject({ kind: 'usage', idempotencyKey: `invoice-${notice.token}`, status: 'delivered' });
    expect(product.usageReported.filter((r) => r.accountIdentifier === tenantId).map((r) => r.status)).toEqual([202]);
    expect(s.marketplace.usageOf(tenantId)).toHaveLength(1);
  });
});
