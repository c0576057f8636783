/**
 * Issue #25.3: lists the admin page had alone get their API and CLI: results AppDirect has not received
 * (/admin/deliveries) and calls to the product not done (/admin/hooks), with the page's filter (state),
 * oldest first, paged.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ProvisioningHooks } from '../../src/hooks';
import { notify } from '../../tools/fake-marketplace/notify';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'owed-lists-token-0123456789abcdefghijkl';

// Assertions read JSON answers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function cli(s: Scenario, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/admin-cli.ts', ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: TOKEN },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('what is still owed, listed by the admin API and the CLI', () => {
  let s: Scenario;
  const undelivered: string[] = [];
  const owedCalls: string[] = [];
  const hooks: ProvisioningHooks = {
    async userAssigned() {
      throw new Error('product down');
    },
  };
  const api = async (p: string) => {
    const res = await fetch(`${s.serviceUrl}/admin/api${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const prisma = () => s.subject.db.prisma;

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: TOKEN }, { hooks });
    for (let i = 0; i < 3; i += 1) {
      const token = randomUUID();
      s.marketplace.resultFaults.push({ status: 400, times: 1, token });
      await notify(s.serviceUrl, s.marketplace.addEvent(orderEvent(), token).eventUrl, s.auth);
      await eventually(
        async () => (await prisma().resultDelivery.findFirst({ where: { event: { token } } }))?.status === 'failed',
      );
      undelivered.push(token);
    }
    // Calls of one account go in order (a later one waits for the owed one): one account each.
    for (let i = 0; i < 2; i += 1) {
      const { accountIdentifier } = await s.send(orderEvent());
      const { token } = await s.post(assignEvent(accountIdentifier!));
      const call = await eventually(() =>
        prisma().hookCall.findFirst({ where: { eventToken: token, attempts: { gt: 0 } } }),
      );
      owedCalls.push(call.id.toString());
    }
  });
  afterAll(() => s.close());

  it('lists undelivered results by state, oldest first, page by page', async () => {
    const first = await api('/deliveries?state=failed&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: Json) => item.token)).toEqual(undelivered.slice(0, 2));
    expect(first.body.items[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('400'),
    });
    const second = await api(`/deliveries?state=failed&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ token: undelivered[2] })], nextCursor: null });
    expect((await api('/deliveries')).body.items).toHaveLength(3); // failed is the default, as on the page
    expect((await api('/deliveries?state=retrying')).body.items).toEqual([]);
  });

  it('lists product calls not done by state, page by page', async () => {
    const first = await api('/product-calls?limit=1');
    expect(first.body.items.map((item: Json) => item.id)).toEqual(owedCalls.slice(0, 1));
    expect(first.body.items[0]).toMatchObject({ kind: 'userAssigned', attempts: expect.any(Number) });
    const second = await api(`/product-calls?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: Json) => item.id)).toEqual(owedCalls.slice(1, 2));
    const notDone = (await api('/product-calls?state=not_done')).body.items.map((item: Json) => item.id);
    expect(notDone).toEqual(expect.arrayContaining(owedCalls));
  });

  it.each([
    ['/deliveries?state=lost', 'state'],
    ['/deliveries?cursor=bm9wZQ', 'cursor'],
    ['/product-calls?state=broken', 'state'],
    ['/product-calls?limit=0', 'limit'],
  ])('refuses %s naming %s', async (query, name) => {
    const res = await api(query);
    expect(res).toMatchObject({ status: 400, body: { code: 'PARAMETER_INVALID' } });
    expect(res.body.message).toContain(`'${name}'`);
  });

  it('answers the same lists in the CLI, every page with --all', async () => {
    const results = await cli(s, 'deliveries', 'list', '--limit', '1', '--all', '--json');
    expect(results.code).toBe(0);
    expect((JSON.parse(results.out) as Json).items.map((item: Json) => item.token)).toEqual(undelivered);
    const text = await cli(s, 'deliveries', 'list');
    expect(text.out).toMatch(/createdAt\s+status\s+attempts/);
    for (const token of undelivered) expect(text.out).toContain(token);
    const calls = await cli(s, 'product-calls', 'list', '--state', 'failing', '--json');
    expect((JSON.parse(calls.out) as Json).items.map((item: Json) => item.id)).toEqual(owedCalls);
    const wrong = await cli(s, 'deliveries', 'list', '--state', 'lost');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("argument 'lost' is invalid");
  });
});
