/**
 * The example product (examples/product) keeps its tenants in step with every call it is sent: the calls the
 * demo makes it receive (orders, assignments, e-mail changes, plan changes, suspension, reactivation,
 * cancellation) and the rest of the contract's kinds. Calls are signed as the service signs them.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startExampleProduct, type ExampleProduct } from '../../examples/product/app';
import type { CallData } from '../../src/hooks/contract';
import { HOOK_KINDS, type HookKind } from '../../src/hooks/kinds';

const SECRET = `whsec_${Buffer.from('example-product-unit-test-secret!').toString('base64')}`;
const signer = new Webhook(SECRET);

const person = (email: string) => ({ uuid: randomUUID(), email, firstName: 'Pat', lastName: 'Example' });

describe('the example product', () => {
  let product: ExampleProduct;
  beforeAll(async () => {
    product = await startExampleProduct({ secret: SECRET });
  });
  afterAll(() => product.close());

  /** POSTs one signed call as the service does; resolves with the HTTP status and the answer. */
  async function send<K extends HookKind>(type: K, data: CallData<K>, mode: 'notify' | 'decide' = 'notify') {
    const id = `${mode}_${randomUUID()}`;
    const body = JSON.stringify({
      type,
      version: 1,
      mode,
      eventToken: randomUUID(),
      accountIdentifier: 'accountIdentifier' in data ? data.accountIdentifier : null,
      development: false,
      marketplaceBaseUrl: 'https://marketplace.example',
      receivedAt: new Date().toISOString(),
      data,
    });
    const at = new Date();
    const response = await fetch(product.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(id, at, body),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  async function newTenant(domain: string, owner = person(`dana@${domain}`)) {
    const answer = await send(
      'accountCreated',
      {
        accountIdentifier: randomUUID(),
        company: { uuid: randomUUID(), name: domain },
        editionCode: 'PRO',
        maxUsers: 3,
        owner,
      },
      'decide',
    );
    expect(answer.body).toMatchObject({ decision: 'accept' });
    return product.tenants.get(String(answer.body!.accountIdentifier))!;
  }

  it('follows a user through assignment, an e-mail change and unassignment', async () => {
    const tenant = await newTenant('acme.example');
    const pat = person('pat@acme.example');
    await send('userAssigned', { accountIdentifier: tenant.id, user: pat });
    expect([...tenant.users]).toEqual(['dana@acme.example', 'pat@acme.example']);

    const renamed = { ...pat, email: 'pat.new@acme.example' };
    expect((await send('userUpdated', { accountIdentifier: tenant.id, user: renamed })).status).toBe(204);
    expect([...tenant.users]).toEqual(['dana@acme.example', 'pat.new@acme.example']);

    await send('userUnassigned', { accountIdentifier: tenant.id, user: renamed });
    expect([...tenant.users]).toEqual(['dana@acme.example']);
  });

  it('applies an e-mail change sent without an account to every tenant the user belongs to', async () => {
    const first = await newTenant('first.example');
    const second = await newTenant('second.example');
    const lee = person('lee@shared.example');
    await send('userAssigned', { accountIdentifier: first.id, user: lee });
    await send('userAssigned', { accountIdentifier: second.id, user: lee });
    await send('userUpdated', { accountIdentifier: null, user: { ...lee, email: 'lee@elsewhere.example' } });
    expect(first.users.has('lee@elsewhere.example') && second.users.has('lee@elsewhere.example')).toBe(true);
    expect(first.users.has('lee@shared.example') || second.users.has('lee@shared.example')).toBe(false);
  });

  it('takes plan changes, suspension, reactivation and cancellation', async () => {
    const tenant = await newTenant('globex.example');
    await send('accountChanged', { accountIdentifier: tenant.id, editionCode: 'ENTERPRISE', maxUsers: 10 });
    expect(tenant).toMatchObject({ edition: 'ENTERPRISE', maxUsers: 10 });
    for (const [kind, status] of [
      ['accountSuspended', 'suspended'],
      ['accountReactivated', 'active'],
      ['accountCancelled', 'cancelled'],
      ['accountClosed', 'closed'],
    ] as const) {
      await send(kind, { accountIdentifier: tenant.id });
      expect(tenant.status).toBe(status);
    }
  });

  it("keeps an account's add-ons", async () => {
    const tenant = await newTenant('initech.example');
    await send('addonOrdered', { accountIdentifier: tenant.id, addonInstanceId: 'addon-1', offeringCode: 'STORAGE' });
    expect([...tenant.addons.entries()]).toEqual([['addon-1', 'STORAGE']]);
    await send('addonCancelled', { accountIdentifier: tenant.id, addonInstanceId: 'addon-1' });
    expect(tenant.addons.size).toBe(0);
  });

  it('takes every call kind of the contract (2xx), signed; refuses an unsigned call', async () => {
    const tenant = await newTenant('umbrella.example');
    const user = person('ivy@umbrella.example');
    const data: { [K in HookKind]: CallData<K> } = {
      accountCreated: {
        accountIdentifier: randomUUID(),
        company: { uuid: randomUUID(), name: 'Other' },
        editionCode: 'PRO',
        maxUsers: null,
        owner: person('o@other.example'),
      },
      accountChanged: { accountIdentifier: tenant.id, editionCode: 'PRO', maxUsers: null },
      accountSuspended: { accountIdentifier: tenant.id },
      accountReactivated: { accountIdentifier: tenant.id },
      accountCancelled: { accountIdentifier: tenant.id },
      accountClosed: { accountIdentifier: tenant.id },
      userAssigned: { accountIdentifier: tenant.id, user },
      userUnassigned: { accountIdentifier: tenant.id, user },
      userUpdated: { accountIdentifier: tenant.id, user },
      addonOrdered: { accountIdentifier: tenant.id, addonInstanceId: 'a', offeringCode: 'X' },
      addonChanged: { accountIdentifier: tenant.id, addonInstanceId: 'a' },
      addonCancelled: { accountIdentifier: tenant.id, addonInstanceId: 'a' },
      addonBound: { addonInstanceId: 'a', bindingId: 'b', userUuid: user.uuid },
      addonUnbound: { addonInstanceId: 'a', bindingId: 'b' },
      // Without the product API (none here) there is nowhere to report usage: taken, nothing reported.
      upcomingInvoice: { accountIdentifier: tenant.id, message: null },
    };
    for (const kind of HOOK_KINDS) {
      const answer = await send(kind, data[kind] as CallData<typeof kind>);
      expect({ kind, ok: answer.status >= 200 && answer.status < 300 }).toEqual({ kind, ok: true });
    }
    const unsigned = await fetch(product.url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
  });
});
