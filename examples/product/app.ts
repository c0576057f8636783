/**
 * An example vendor product taking part over signed webhooks (README, "Connecting your product").
 *
 * - Verifies every call with the `standardwebhooks` library (401 when the signature does not verify).
 * - De-duplicates on `webhook-id`: a call seen before gets the answer it got the first time, and nothing
 *   is done twice (calls are retried, and a decision is asked again after a crash before commit).
 * - Keeps tenants in memory, one per company e-mail domain. `accountCreated` (decide mode) is refused with
 *   USER_ALREADY_EXISTS when the domain already has a tenant; an edition in `asyncEditions` is answered
 *   `pending` and completed a moment later through the product API; any other is accepted with the
 *   product's own tenant id as the accountIdentifier.
 * - Every other call is recorded (notify mode: the answer's body does not matter, only the 2xx).
 */
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Decision, ProductCall } from '../../src/hooks/contract';

export interface ExampleProductOptions {
  /** The service's PRODUCT_WEBHOOK_SECRETS (any one of them verifies). */
  readonly secret: string;
  /** Base URL of the service's product API (for completing pending decisions), and its token. */
  readonly productApi?: { readonly url: string; readonly token: string };
  /** Editions provisioned asynchronously (answered pending, completed through the product API). */
  readonly asyncEditions?: readonly string[];
  /** Delay before an asynchronous edition is completed. */
  readonly completeAfterMs?: number;
  readonly port?: number;
}

export interface Tenant {
  readonly id: string;
  readonly domain: string;
  readonly companyName: string;
  readonly edition: string;
  readonly users: Set<string>;
  status: 'active' | 'suspended' | 'cancelled' | 'closed';
}

/** The product's state, for tests and the demo to look at. */
export interface ExampleProduct {
  readonly url: string;
  readonly tenants: Map<string, Tenant>;
  /** Every verified call in arrival order, with its webhook-id (repeats included). */
  readonly calls: Array<{ id: string; call: ProductCall }>;
  /** Requests whose signature did not verify. */
  readonly rejected: number;
  /** The service's product API (base URL and token), for completing pending decisions; null: never completed. */
  productApi: { readonly url: string; readonly token: string } | null;
  /** While set, every call is answered with this status (an outage, or a flaky endpoint with `flaky`). */
  failWith: number | null;
  /** Called per request: true answers 503 (random faults). */
  flaky: (() => boolean) | null;
  close(): Promise<void>;
}

const domainOf = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

export async function startExampleProduct(options: ExampleProductOptions): Promise<ExampleProduct> {
  const verifier = new Webhook(options.secret);
  const answered = new Map<string, { status: number; body: unknown }>();
  const app = express();
  const product: ExampleProduct = {
    url: '',
    tenants: new Map(),
    calls: [],
    rejected: 0,
    productApi: options.productApi ?? null,
    failWith: null,
    flaky: null,
    close: async () => undefined,
  };
  const mutable = product as { -readonly [K in keyof ExampleProduct]: ExampleProduct[K] };

  /** What the product does with a call the first time it sees it. */
  const handle = (call: ProductCall): { status: number; body: unknown } => {
    switch (call.type) {
      case 'accountCreated': {
        const domain = domainOf(call.data.owner.email);
        const taken = [...product.tenants.values()].find(
          (tenant) => tenant.domain === domain && tenant.status !== 'closed',
        );
        if (taken)
          return decide({
            decision: 'refuse',
            errorCode: 'USER_ALREADY_EXISTS',
            message: `${domain} already has a workspace (${taken.id}).`,
          });
        if (options.asyncEditions?.includes(call.data.editionCode)) {
          setTimeout(() => void completeLater(call), options.completeAfterMs ?? 200).unref();
          return decide({ decision: 'pending', message: 'The workspace is being prepared.' });
        }
        const tenant = createTenant(call);
        return decide({
          decision: 'accept',
          accountIdentifier: tenant.id,
          message: `Workspace ${tenant.id} is ready.`,
        });
      }
      case 'userAssigned':
        product.tenants.get(call.data.accountIdentifier)?.users.add(call.data.user.email);
        break;
      case 'userUnassigned':
        product.tenants.get(call.data.accountIdentifier)?.users.delete(call.data.user.email);
        break;
      case 'accountSuspended':
      case 'accountReactivated':
      case 'accountCancelled':
      case 'accountClosed': {
        const tenant = product.tenants.get(call.data.accountIdentifier);
        const status = {
          accountSuspended: 'suspended',
          accountReactivated: 'active',
          accountCancelled: 'cancelled',
          accountClosed: 'closed',
        } as const;
        if (tenant) tenant.status = status[call.type];
        break;
      }
      default:
        break;
    }
    // A decide call of a kind this product does not judge is accepted; a notify call's body is ignored.
    return call.mode === 'decide' ? decide({ decision: 'accept' }) : { status: 204, body: undefined };
  };

  const decide = (decision: Decision) => ({ status: 200, body: decision });

  const createTenant = (call: ProductCall<'accountCreated'>): Tenant => {
    const tenant: Tenant = {
      // Unique across restarts: the service keeps accounts (and refuses an identifier already in use).
      id: `tenant-${randomBytes(4).toString('hex')}`,
      domain: domainOf(call.data.owner.email),
      companyName: call.data.company.name,
      edition: call.data.editionCode,
      users: new Set([call.data.owner.email]),
      status: 'active',
    };
    product.tenants.set(tenant.id, tenant);
    return tenant;
  };

  /** The asynchronous edition is ready: the product completes its pending decision through the product API. */
  const completeLater = async (call: ProductCall<'accountCreated'>): Promise<void> => {
    const api = product.productApi;
    if (!api) return;
    const tenant = createTenant(call);
    const body = JSON.stringify({
      decision: 'accept',
      accountIdentifier: tenant.id,
      message: `Workspace ${tenant.id} is ready.`,
    });
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const response = await fetch(`${api.url}/product/api/decisions/${encodeURIComponent(call.eventToken)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
        body,
      }).catch(() => null);
      if (response && response.status < 500) return;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  };

  app.post('/appdirect', express.text({ type: 'application/json', limit: '256kb' }), (req: Request, res: Response) => {
    if (product.failWith !== null) return void res.status(product.failWith).send('the product is down');
    if (product.flaky?.()) return void res.status(503).send('try again');
    let call: ProductCall;
    try {
      call = verifier.verify(String(req.body), {
        'webhook-id': req.get('webhook-id') ?? '',
        'webhook-timestamp': req.get('webhook-timestamp') ?? '',
        'webhook-signature': req.get('webhook-signature') ?? '',
      }) as ProductCall;
    } catch {
      mutable.rejected += 1;
      return void res.status(401).json({ error: 'signature does not verify' });
    }
    const id = req.get('webhook-id')!;
    product.calls.push({ id, call });
    const answer = answered.get(id) ?? handle(call);
    answered.set(id, answer);
    if (answer.body === undefined) return void res.status(answer.status).end();
    res.status(answer.status).json(answer.body);
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(listening));
  });
  mutable.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/appdirect`;
  mutable.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return product;
}
