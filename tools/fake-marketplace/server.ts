/**
 * A fake AppDirect marketplace for tests, demos and benchmarks: a real HTTP
 * server on loopback that stores events by token, serves them only to callers
 * that sign (OAuth 1.0a, checked with the `oauth-1.0a` library independently of
 * the service) or present a token from its own /oauth2/token, records result
 * POSTs and the vendor's billing calls (usage), and can be scripted to fail (5xx, slow, malformed JSON,
 * hangs).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import OAuth from 'oauth-1.0a';

export interface FakeMarketplaceOptions {
  /** Served for tokens never added (benchmarks use it to avoid storing every event). */
  readonly fallbackEvent?: (token: string) => Record<string, unknown>;
  /** Shared credentials (legacy OAuth 1.0a) the vendor signs its calls with. */
  readonly consumer?: { key: string; secret: string };
  /** Separate credentials: the OAuth 2.0 client the vendor uses at /oauth2/token. */
  readonly client?: { id: string; secret: string };
  /** expires_in of the tokens issued (default 3600). */
  readonly tokenLifetimeSeconds?: number;
}

export interface RecordedResult {
  readonly token: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

/** A billing API call (v1 `POST /api/integration/v1/billing/usage`) as received. */
export interface RecordedUsage {
  /** The JSON text as sent (decimals are compared as the digits written). */
  readonly text: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

/** A scripted misbehaviour for the next `times` matching requests. */
export interface Fault {
  readonly status?: number;
  readonly delayMs?: number;
  readonly malformed?: boolean;
  /** Never answer and do not record: a request lost in a hung server. */
  readonly hang?: boolean;
  /** Only for this event's fetch or result POST (else for any). */
  readonly token?: string;
  /** Only for billing calls of this account (else for any). */
  readonly accountIdentifier?: string;
  /** Metered usage: take the report, then never answer (the answer is lost on the way back). */
  readonly takeThenHang?: boolean;
  times: number;
}

const EVENT_PATH = /^\/api\/integration\/v1\/events\/([^/]+)(\/result)?$/;
const BILLING_PATH = '/api/integration/v1/billing/usage';
const SYNC_PATH = '/api/sync/v1/tasks';
/** Where the fake takes domain ownership verdicts (AppDirect names its own callbackUrl; this one is ours). */
const DOMAIN_VERIFICATION_PATH = /^\/domain-verifications\/([^/]+)$/;
/** Where the metered-usage v2 API is served (APPDIRECT_METERED_USAGE_PATH's default). */
export const METERED_USAGE_PATH = '/api/metering/v1/billing/usage';

const hmacSha1 = (base: string, key: string) => createHmac('sha1', key).update(base).digest('base64');

export class FakeMarketplace {
  readonly events = new Map<string, Record<string, unknown>>();
  readonly results: RecordedResult[] = [];
  /** Every event fetch, authorised or not, by token. */
  readonly fetches = new Map<string, number>();
  readonly tokensIssued: string[] = [];
  fetchFaults: Fault[] = [];
  resultFaults: Fault[] = [];
  /** Billing calls (usage) received, in arrival order. */
  readonly usage: RecordedUsage[] = [];
  usageFaults: Fault[] = [];
  /** Metered-usage v2 reports taken, one per idempotency key, in arrival order. */
  readonly meteredUsage: RecordedUsage[] = [];
  /** Metered-usage v2 calls received per idempotency key (repeats included). */
  readonly meteredCalls = new Map<string, number>();
  meteredFaults: Fault[] = [];
  /** User syncs received (the SDK's UserSyncRequestPayload), in arrival order. */
  readonly userSyncs: RecordedUsage[] = [];
  syncFaults: Fault[] = [];
  /** Domain ownership verdicts POSTed to a callback URL (domainCallbackUrl), in arrival order. */
  readonly domainVerdicts: Array<{ id: string; body: unknown; authorised: boolean }> = [];
  /** Scripted misbehaviour of /oauth2/token (delays, statuses). */
  tokenFaults: Fault[] = [];
  /** When the last token was issued (epoch ms). */
  lastTokenAt = 0;
  /** TCP connections accepted so far (callers that keep connections alive open few). */
  connectionsAccepted = 0;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Scripted delays still pending; stop() cancels them so nothing outlives the server. */
  private readonly delays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  origin = '';

  constructor(readonly options: FakeMarketplaceOptions) {}

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.connectionsAccepted += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Stores an event (its marketplace block points here) and returns its event URL. */
  addEvent(document: Record<string, unknown>, token: string = randomUUID()): { token: string; eventUrl: string } {
    this.events.set(token, { ...document, marketplace: { partner: 'ACME', baseUrl: this.origin } });
    return { token, eventUrl: this.eventUrl(token) };
  }

  /** A callbackUrl for a domain ownership verification, as AppDirect passes one. */
  domainCallbackUrl(id: string = randomUUID()): string {
    return `${this.origin}/domain-verifications/${id}`;
  }

  eventUrl(token: string): string {
    return `${this.origin}/api/integration/v1/events/${token}`;
  }

  resultsFor(token: string): RecordedResult[] {
    return this.results.filter((result) => result.token === token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => resolve(text));
    });
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      const fault = this.tokenFaults.find((f) => f.times > 0);
      if (fault) {
        fault.times -= 1;
        if (fault.delayMs) await this.pause(fault.delayMs);
        if (!this.server?.listening) return;
        if (fault.status) return this.send(res, fault.status, { error: 'scripted failure' });
      }
      return this.issueToken(req, body, res);
    }
    if (req.method === 'POST' && url.pathname === BILLING_PATH) return this.billUsage(req, url, body, res);
    const verdict = req.method === 'POST' ? DOMAIN_VERIFICATION_PATH.exec(url.pathname) : null;
    if (verdict) {
      const authorised = this.authorised(req, url);
      this.domainVerdicts.push({ id: decodeURIComponent(verdict[1]!), body: JSON.parse(body || 'null'), authorised });
      return this.send(res, authorised ? 200 : 401, authorised ? { ok: true } : { error: 'unauthorized' });
    }
    if (req.method === 'POST' && url.pathname === METERED_USAGE_PATH) return this.meterUsage(req, url, body, res);
    if (req.method === 'POST' && url.pathname === SYNC_PATH) return this.syncUser(req, url, body, res);
    const match = EVENT_PATH.exec(url.pathname);
    if (!match) return this.send(res, 404, { error: 'not found' });
    const token = decodeURIComponent(match[1]!);
    const isResult = Boolean(match[2]);
    if (!isResult) this.fetches.set(token, (this.fetches.get(token) ?? 0) + 1);
    if (!this.authorised(req, url)) return this.send(res, 401, { error: 'unauthorized' });

    const fault = (isResult ? this.resultFaults : this.fetchFaults).find(
      (f) => f.times > 0 && (f.token === undefined || f.token === token),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.hang) return; // the socket stays open until the caller gives up (or stop())
      if (fault.delayMs) {
        await this.pause(fault.delayMs);
        if (!this.server?.listening) return;
      }
      if (fault.status) return this.send(res, fault.status, { error: 'scripted failure' });
      if (fault.malformed) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"type": "SUBSCRIPTION_ORD');
        return;
      }
    }
    if (isResult && req.method === 'POST') {
      this.results.push({ token, body: JSON.parse(body || '{}') as Record<string, unknown>, at: Date.now() });
      return this.send(res, 200, {});
    }
    if (req.method !== 'GET') return this.send(res, 405, {});
    const stored = this.events.get(token);
    const event =
      stored ??
      (this.options.fallbackEvent
        ? { ...this.options.fallbackEvent(token), marketplace: { partner: 'ACME', baseUrl: this.origin } }
        : undefined);
    if (!event) return this.send(res, 404, { error: 'no such event' });
    this.send(res, 200, event);
  }

  /** Usage billed to an account, in the order received. */
  usageOf(accountIdentifier: string): RecordedUsage[] {
    return this.usage.filter(
      (usage) =>
        (usage.body.account as { accountIdentifier?: string } | undefined)?.accountIdentifier === accountIdentifier,
    );
  }

  /** v1 billing: records the usage (the SDK's `Usage`) and answers as AppDirect's APIResult. */
  private async billUsage(req: IncomingMessage, url: URL, text: string, res: ServerResponse): Promise<void> {
    if (!this.authorised(req, url)) return this.send(res, 401, { error: 'unauthorized' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.send(res, 400, { success: false, errorCode: 'CONFIGURATION_ERROR', message: 'not JSON' });
    }
    const account = (body.account as { accountIdentifier?: string } | undefined)?.accountIdentifier;
    const fault = this.usageFaults.find(
      (f) => f.times > 0 && (f.accountIdentifier === undefined || f.accountIdentifier === account),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.hang) return; // the socket stays open until the caller gives up (or stop())
      if (fault.delayMs) {
        await this.pause(fault.delayMs);
        if (!this.server?.listening) return;
      }
      if (fault.status) return this.send(res, fault.status, { success: false, message: 'scripted failure' });
    }
    this.usage.push({ text, body, at: Date.now() });
    this.send(res, 200, { success: true, message: 'Usage billed' });
  }

  /** Metered usage (v2) of an account, one per idempotency key. */
  meteredUsageOf(accountIdentifier: string): RecordedUsage[] {
    return this.meteredUsage.filter(
      (usage) => (usage.body.usages as Array<{ accountId?: string }> | undefined)?.[0]?.accountId === accountIdentifier,
    );
  }

  /**
   * Metered usage v2 (the SDK's MeteredUsageRequest): one report per idempotency key; a key seen before is
   * refused with the SDK's "Entry ALREADY exists with idempotencyKey" (as 409: the status AppDirect uses is
   * not known, the SDK reads only the message).
   */
  private async meterUsage(req: IncomingMessage, url: URL, text: string, res: ServerResponse): Promise<void> {
    if (!this.authorised(req, url)) return this.send(res, 401, { error: 'unauthorized' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.send(res, 400, { message: 'not JSON' });
    }
    const key = typeof body.idempotencyKey === 'string' ? body.idempotencyKey : '';
    if (!key) return this.send(res, 400, { message: 'idempotencyKey is required' });
    this.meteredCalls.set(key, (this.meteredCalls.get(key) ?? 0) + 1);
    const account = (body.usages as Array<{ accountId?: string }> | undefined)?.[0]?.accountId;
    const fault = this.meteredFaults.find(
      (f) => f.times > 0 && (f.accountIdentifier === undefined || f.accountIdentifier === account),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.hang) return;
      if (fault.status) return this.send(res, fault.status, { message: 'scripted failure' });
    }
    if (this.meteredUsage.some((usage) => usage.body.idempotencyKey === key))
      return this.send(res, 409, { message: `Entry ALREADY exists with idempotencyKey ${key}` });
    this.meteredUsage.push({ text, body, at: Date.now() });
    if (fault?.takeThenHang) return; // taken; the answer never comes
    this.send(res, 200, { requestId: randomUUID(), idempotencyKey: key });
  }

  /** User syncs of an account, in arrival order. */
  userSyncsOf(accountIdentifier: string): RecordedUsage[] {
    return this.userSyncs.filter((sync) => sync.body.accountIdentifier === accountIdentifier);
  }

  /** User sync (`POST /api/sync/v1/tasks`): records the task, answers 201 as a task queued. */
  private async syncUser(req: IncomingMessage, url: URL, text: string, res: ServerResponse): Promise<void> {
    if (!this.authorised(req, url)) return this.send(res, 401, { code: 'UNAUTHORIZED', message: 'unauthorized' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.send(res, 400, { code: 'BAD_REQUEST', message: 'not JSON' });
    }
    const fault = this.syncFaults.find(
      (f) => f.times > 0 && (f.accountIdentifier === undefined || f.accountIdentifier === body.accountIdentifier),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.hang) return;
      if (fault.status) return this.send(res, fault.status, { code: 'SCRIPTED', message: 'scripted failure' });
    }
    this.userSyncs.push({ text, body, at: Date.now() });
    this.send(res, 201, { id: randomUUID() });
  }

  /** A scripted delay that stop() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const delay = {
        timer: setTimeout(() => {
          this.delays.delete(delay);
          resolve();
        }, ms),
        resolve,
      };
      this.delays.add(delay);
    });
  }

  /** OAuth 1.0a (verified by recomputing the signature with oauth-1.0a) or a bearer token we issued. */
  private authorised(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) return this.tokensIssued.includes(header.slice(7));
    if (!header.startsWith('OAuth ') || !this.options.consumer) return false;
    const params = Object.fromEntries(
      [...header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, decodeURIComponent(m[2]!)]),
    );
    if (params.oauth_consumer_key !== this.options.consumer.key) return false;
    const signer = new OAuth({
      consumer: this.options.consumer,
      signature_method: 'HMAC-SHA1',
      hash_function: hmacSha1,
    });
    const { oauth_signature: signature, ...signed } = params;
    const expected = signer.getSignature(
      { url: `${this.origin}${url.pathname}`, method: req.method ?? 'GET', data: Object.fromEntries(url.searchParams) },
      '',
      signed as unknown as OAuth.Data,
    );
    return expected === signature;
  }

  private issueToken(req: IncomingMessage, body: string, res: ServerResponse): void {
    const client = this.options.client;
    const expected = client
      ? `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`
      : null;
    if (!expected || req.headers.authorization !== expected) return this.send(res, 401, { error: 'invalid_client' });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'ROLE_APPLICATION')
      return this.send(res, 400, { error: 'invalid_request' });
    const token = randomBytes(16).toString('hex');
    this.tokensIssued.push(token);
    this.lastTokenAt = Date.now();
    this.send(res, 200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: this.options.tokenLifetimeSeconds ?? 3600,
      scope: 'ROLE_APPLICATION',
    });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
