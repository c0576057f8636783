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
 * - Answers the `restrictions` question (PRODUCT_DECIDE=restrictions) with its own limit: a workspace holds
 *   at most `seatLimit` users, so an order or change for more seats, or an assignment past it, is restricted
 *   before AppDirect sells it.
 * - Bills its users through AppDirect: on `upcomingInvoice` (AppDirect is about to invoice the account) it
 *   reports the tenant's active users as usage through the product API (`POST …/accounts/{id}/usage`), with
 *   the key `invoice-<eventToken>`, so the call retried reports once; the call is answered 2xx only once the
 *   report is stored (503 otherwise: the service calls again).
 * - Answers AppDirect's migration questions from `legacyCustomers`: a customer account (`tenantId`) and a
 *   subscription (`subscriptionId`) it knows are valid; migrating one turns it into a tenant.
 * - Every other call kind updates the tenant (notify mode: the answer's body does not matter, only the 2xx):
 *   users assigned and unassigned, a user's new e-mail (users are known by their AppDirect uuid), plan
 *   changes, suspension, reactivation, cancellation, closure, add-ons. The switch names every kind, so a new
 *   kind in the contract does not compile until the product says what it does with it.
 */
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Decision, ProductCall } from '../../src/hooks/contract';
import type { ProductQuestion, QuestionAnswer } from '../../src/hooks/questions';

export interface ExampleProductOptions {
  /** The service's PRODUCT_WEBHOOK_SECRETS (any one of them verifies). */
  readonly secret: string;
  /** Base URL of the service's product API (for completing pending decisions), and its token. */
  readonly productApi?: { readonly url: string; readonly token: string };
  /** Editions provisioned asynchronously (answered pending, completed through the product API). */
  readonly asyncEditions?: readonly string[];
  /** Delay before an asynchronous edition is completed. */
  readonly completeAfterMs?: number;
  /** Most users a workspace holds (the product's own restriction); default 25. */
  readonly seatLimit?: number;
  /**
   * Customers the product served before AppDirect sold it (for AppDirect's migration): tenant id -> its company
   * name, users, and subscriptions (id -> seats).
   */
  readonly legacyCustomers?: Readonly<
    Record<string, { companyName: string; users: readonly string[]; subscriptions: Readonly<Record<string, number>> }>
  >;
  readonly port?: number;
}

export interface Tenant {
  readonly id: string;
  readonly domain: string;
  readonly companyName: string;
  edition: string;
  /** Seat limit; null: unlimited. */
  maxUsers: number | null;
  /** The e-mail addresses of the tenant's users. */
  readonly users: Set<string>;
  /** Add-on instance id -> offering code. */
  readonly addons: Map<string, string>;
  status: 'active' | 'suspended' | 'cancelled' | 'closed';
}

/** The product's state, for tests and the demo to look at. */
export interface ExampleProduct {
  readonly url: string;
  readonly tenants: Map<string, Tenant>;
  /** Every verified call in arrival order, with its webhook-id (repeats included). */
  readonly calls: Array<{ id: string; call: ProductCall }>;
  /** Every verified question (restrictions), in arrival order. */
  readonly questions: Array<{ id: string; question: ProductQuestion }>;
  /** Requests whose signature did not verify. */
  readonly rejected: number;
  /** Usage reports the product made (upcomingInvoice), with the service's answer. */
  readonly usageReported: Array<{ accountIdentifier: string; idempotencyKey: string; status: number }>;
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
    questions: [],
    rejected: 0,
    usageReported: [],
    productApi: options.productApi ?? null,
    failWith: null,
    flaky: null,
    close: async () => undefined,
  };
  const mutable = product as { -readonly [K in keyof ExampleProduct]: ExampleProduct[K] };
  /** AppDirect user uuid -> the e-mail this product knows the user by (to apply a change of e-mail). */
  const emailOf = new Map<string, string>();
  const rememberUser = (user: { uuid: string; email: string }) => emailOf.set(user.uuid, user.email);
  const tenantOf = (accountIdentifier: string | null) =>
    accountIdentifier === null ? undefined : product.tenants.get(accountIdentifier);

  /** A user's new e-mail, in every tenant that has the user (the call names one account, or none). */
  const updateUser = (user: { uuid: string; email: string }): void => {
    const previous = emailOf.get(user.uuid);
    rememberUser(user);
    if (previous === undefined || previous === user.email) return;
    for (const tenant of product.tenants.values()) {
      if (!tenant.users.delete(previous)) continue;
      tenant.users.add(user.email);
    }
  };

  /** What the product does with a call the first time it sees it. */
  const handle = async (call: ProductCall): Promise<{ status: number; body: unknown }> => {
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
      case 'accountChanged': {
        const tenant = tenantOf(call.data.accountIdentifier);
        if (tenant) {
          tenant.edition = call.data.editionCode;
          tenant.maxUsers = call.data.maxUsers;
        }
        break;
      }
      case 'userAssigned':
        rememberUser(call.data.user);
        tenantOf(call.data.accountIdentifier)?.users.add(call.data.user.email);
        break;
      case 'userUnassigned':
        tenantOf(call.data.accountIdentifier)?.users.delete(emailOf.get(call.data.user.uuid) ?? call.data.user.email);
        break;
      case 'userUpdated':
        if (call.data.user) updateUser(call.data.user);
        break;
      case 'addonOrdered':
        tenantOf(call.data.accountIdentifier)?.addons.set(call.data.addonInstanceId, call.data.offeringCode);
        break;
      case 'addonCancelled':
        tenantOf(call.data.accountIdentifier)?.addons.delete(call.data.addonInstanceId);
        break;
      case 'addonChanged':
      case 'addonBound':
      case 'addonUnbound':
        // This product sells no per-user add-on and nothing of an add-on's own changes: taken, nothing to do.
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
      case 'upcomingInvoice': {
        const reported = await reportUsage(call);
        if (!reported) return { status: 503, body: { error: 'the usage report was not taken; call again' } };
        break;
      }
      default: {
        const unhandled: never = call;
        throw new Error(`no handling for ${(unhandled as ProductCall).type}`);
      }
    }
    // A decide call of a kind this product does not judge is accepted; a notify call's body is ignored.
    return call.mode === 'decide' ? decide({ decision: 'accept' }) : { status: 204, body: undefined };
  };

  const decide = (decision: Decision) => ({ status: 200, body: decision });

  /**
   * The tenant's active users, as usage to bill (USER at 4.50 each), reported once per invoice: false when the
   * service did not take it (the call is answered 503 and made again, with the same key).
   */
  const reportUsage = async (call: ProductCall<'upcomingInvoice'>): Promise<boolean> => {
    const tenant = tenantOf(call.data.accountIdentifier);
    const api = product.productApi;
    if (!tenant || !api) return true; // nothing of ours to bill, or nowhere to report it
    const idempotencyKey = `invoice-${call.eventToken}`;
    const response = await fetch(`${api.url}/product/api/accounts/${encodeURIComponent(tenant.id)}/usage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.token}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify({
        items: [{ unit: 'USER', quantity: String(tenant.users.size), price: '4.50', description: 'Active users' }],
        currency: 'USD',
        date: call.receivedAt,
      }),
    }).catch(() => null);
    const status = response?.status ?? 0;
    product.usageReported.push({ accountIdentifier: tenant.id, idempotencyKey, status });
    // 202: taken (again, for a repeated key); another 4xx will not pass by calling again (logged by the service).
    return status >= 200 && status < 500;
  };

  const legacy = options.legacyCustomers ?? {};
  const refuse = (message: string) => ({ success: false as const, errorCode: 'ACCOUNT_NOT_FOUND' as const, message });

  /** AppDirect's questions: restrictions, and the migration of customers the product already serves. */
  const answerQuestion = (question: ProductQuestion): unknown => {
    switch (question.type) {
      case 'restrictions':
        return restrictions(question);
      case 'validateCustomerAccount': {
        const tenantId = question.data.fields.tenantId ?? '';
        return legacy[tenantId]
          ? { success: true, message: `Workspace ${tenantId} can be migrated.` }
          : refuse(`No workspace '${tenantId}' here.`);
      }
      case 'validateSubscription': {
        const { tenantId = '', subscriptionId = '' } = question.data.fields;
        const seats = legacy[tenantId ?? '']?.subscriptions[subscriptionId ?? ''];
        if (seats === undefined) return refuse(`No subscription '${subscriptionId}' of workspace '${tenantId}' here.`);
        return { success: true, message: `${seats} seats.` };
      }
      case 'migrateSubscription': {
        const { subscription, proposedAccountIdentifier: id } = question.data;
        const customer = legacy[subscription.tenantIdentifier];
        if (!customer || customer.subscriptions[subscription.subscriptionIdentifier] === undefined)
          return { decision: 'refuse', errorCode: 'ACCOUNT_NOT_FOUND', message: 'Not a subscription of this product.' };
        // Asked again after a failure elsewhere, the same subscription is the same tenant.
        if (!product.tenants.has(id))
          product.tenants.set(id, {
            id,
            domain: domainOf(customer.users[0] ?? `@${subscription.tenantIdentifier}`),
            companyName: customer.companyName,
            edition: subscription.edition ?? 'DEFAULT',
            maxUsers: customer.subscriptions[subscription.subscriptionIdentifier] ?? null,
            // The migration names no user: users reach the tenant as AppDirect assigns them (its own legacy
            // users stay where they are in the product; this example tracks those AppDirect knows of).
            users: new Set(),
            addons: new Map(),
            status: 'active',
          });
        return {
          decision: 'accept',
          message: `Workspace ${subscription.tenantIdentifier} now billed through AppDirect.`,
        };
      }
      case 'domainDnsRecords':
      case 'domainAdded':
      case 'domainRemoved':
      case 'domainOwnership':
        // This product manages no customer domains (PRODUCT_DECIDE does not name these): never asked.
        throw new Error(`${question.type} is not answered by this product`);
      default: {
        const unhandled: never = question;
        throw new Error(`no answer to ${(unhandled as ProductQuestion).type}`);
      }
    }
  };

  /** The product's own restrictions: no workspace beyond `seatLimit` users. */
  const restrictions = (question: ProductQuestion<'restrictions'>): QuestionAnswer<'restrictions'> => {
    const limit = options.seatLimit ?? 25;
    const { question: asked } = question.data;
    const seats = (asked.editionInfo ?? []).flatMap((edition) =>
      (edition.pricingInfo ?? []).flatMap((pricing) =>
        (pricing.quantityInfo ?? []).filter((line) => line.pricingUnit.toUpperCase() === 'USER').map((l) => l.quantity),
      ),
    );
    const tooMany = seats.find((count) => count > limit);
    if (tooMany !== undefined)
      return {
        restrictions: [
          {
            details: {
              code: 'INVALID_MAX_NUMBER_OF_SEATS',
              message: `A workspace holds at most ${limit} users; ${tooMany} were asked for.`,
            },
          },
        ],
      };
    const tenant = tenantOf(question.accountIdentifier);
    const adding = asked.operation === 'USER_ASSIGNMENT' ? (asked.userInfo ?? []).length : 0;
    if (tenant && adding > 0 && tenant.users.size + adding > limit)
      return {
        restrictions: [
          {
            details: {
              code: 'MAX_ENTITLEMENTS_REACHED',
              message: `Workspace ${tenant.id} already has ${tenant.users.size} of its ${limit} users.`,
            },
          },
        ],
      };
    return { restrictions: [] };
  };

  const createTenant = (call: ProductCall<'accountCreated'>): Tenant => {
    const tenant: Tenant = {
      // Unique across restarts: the service keeps accounts (and refuses an identifier already in use).
      id: `tenant-${randomBytes(4).toString('hex')}`,
      domain: domainOf(call.data.owner.email),
      companyName: call.data.company.name,
      edition: call.data.editionCode,
      maxUsers: call.data.maxUsers,
      users: new Set([call.data.owner.email]),
      addons: new Map(),
      status: 'active',
    };
    rememberUser(call.data.owner);
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

  app.post(
    '/appdirect',
    express.text({ type: 'application/json', limit: '256kb' }),
    async (req: Request, res: Response) => {
      if (product.failWith !== null) return void res.status(product.failWith).send('the product is down');
      if (product.flaky?.()) return void res.status(503).send('try again');
      let call: ProductCall | ProductQuestion;
      try {
        call = verifier.verify(String(req.body), {
          'webhook-id': req.get('webhook-id') ?? '',
          'webhook-timestamp': req.get('webhook-timestamp') ?? '',
          'webhook-signature': req.get('webhook-signature') ?? '',
        }) as ProductCall | ProductQuestion;
      } catch {
        mutable.rejected += 1;
        return void res.status(401).json({ error: 'signature does not verify' });
      }
      const id = req.get('webhook-id')!;
      // A question is answered from the tenants as they are now (a migration adds one, idempotently).
      if ('questionId' in call) {
        product.questions.push({ id, question: call });
        return void res.status(200).json(answerQuestion(call));
      }
      product.calls.push({ id, call });
      const answer = answered.get(id) ?? (await handle(call));
      // A call answered 5xx is made again and done again; any other answer is final for its webhook-id.
      if (answer.status < 500) answered.set(id, answer);
      if (answer.body === undefined) return void res.status(answer.status).end();
      res.status(answer.status).json(answer.body);
    },
  );

  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 passes a listen error (a port in use) to this callback.
    const listening = app.listen(options.port ?? 0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  mutable.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/appdirect`;
  mutable.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return product;
}
