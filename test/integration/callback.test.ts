/**
 * The callback over real HTTP: the service listens on loopback, the fake
 * marketplace signs notifications and serves events, PostgreSQL and Redis are real.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Queue } from 'bullmq';
import { FakeMarketplace } from '../../tools/fake-marketplace/server';
import { notificationRequest, notify, type NotifyAuth } from '../../tools/fake-marketplace/notify';
import { parseOAuthHeader } from '../../src/auth/oauth1';
import { jobIdForToken } from '../../src/queue/names';
import { startTestApp, type TestApp } from '../support/app';
import { noticeEvent, orderEvent } from '../support/events';

const CONSUMER = { key: 'product-key', secret: 'product-secret' };
const ROTATED = { key: 'product-key', secret: 'next-secret' };
const BASIC = { username: 'appdirect', password: 'p@ss:word' };
const OAUTH2 = { id: 'appdirect-client', secret: 'client-secret' };

describe('GET /appdirect/events', () => {
  let marketplace: FakeMarketplace;
  let subject: TestApp;
  let server: Server;
  let serviceUrl: string;
  let queue: Queue;

  const oauth1: NotifyAuth = { type: 'oauth1', ...CONSUMER };
  const countEvents = () => subject.db.prisma.event.count();
  /** The job is added just after the answer (the row is committed `queued` before it). */
  const jobOf = async (token: string) => {
    for (let i = 0; i < 100; i += 1) {
      const job = await queue.getJob(jobIdForToken(token));
      if (job) return job;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  };

  beforeAll(async () => {
    marketplace = await new FakeMarketplace({ consumer: CONSUMER }).start();
    subject = await startTestApp({
      APPDIRECT_CONSUMER_KEY: CONSUMER.key,
      APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
      APPDIRECT_CONSUMER_CREDENTIALS: `${ROTATED.key}:${ROTATED.secret},other-product:other-secret`,
      APPDIRECT_BASIC_USERNAME: BASIC.username,
      APPDIRECT_BASIC_PASSWORD: BASIC.password,
      APPDIRECT_OAUTH2_CLIENT_ID: OAUTH2.id,
      APPDIRECT_OAUTH2_CLIENT_SECRET: OAUTH2.secret,
      APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
      SYNC_ANSWER_BUDGET_MS: '2000',
    });
    server = subject.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    queue = subject.deps.producer.events;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await subject.close();
    await marketplace.stop();
  });

  describe('authentication', () => {
    it('accepts an OAuth 1.0a signature in the Authorization header, records the event and queues one job', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const res = await notify(serviceUrl, eventUrl, oauth1);
      expect(res).toEqual({ status: 202, body: { success: true } });
      const row = await subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
      expect(row.status).toBe('queued');
      expect(row.type).toBe('SUBSCRIPTION_ORDER');
      expect(row.consumerKey).toBe(CONSUMER.key);
      expect(await jobOf(token)).toBeDefined();
    });

    it('accepts an OAuth 1.0a signature in the query, with extra static parameters', async () => {
      const { eventUrl } = marketplace.addEvent(orderEvent());
      const res = await notify(
        serviceUrl,
        eventUrl,
        { ...oauth1, inQuery: true },
        { eventType: 'create', note: 'ünïcödé & spaces' },
      );
      expect(res.status).toBe(202);
    });

    it('accepts the second secret of a key while it rotates', async () => {
      const { eventUrl } = marketplace.addEvent(orderEvent());
      expect((await notify(serviceUrl, eventUrl, { type: 'oauth1', ...ROTATED })).status).toBe(202);
    });

    it('accepts HTTP Basic', async () => {
      const { eventUrl } = marketplace.addEvent(orderEvent());
      const res = await notify(serviceUrl, eventUrl, { type: 'basic', ...BASIC });
      expect(res.body).toEqual({ success: true });
      expect(res.status).toBe(202);
    });

    it('issues a bearer token at POST /oauth2/token and accepts it', async () => {
      const tokenResponse = await fetch(`${serviceUrl}/oauth2/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${OAUTH2.id}:${OAUTH2.secret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=post_subscription_events',
      });
      expect(tokenResponse.status).toBe(200);
      const body = (await tokenResponse.json()) as { access_token: string; token_type: string; expires_in: number };
      expect(body.token_type).toBe('bearer');
      expect(body.expires_in).toBe(3600);
      const { eventUrl } = marketplace.addEvent(orderEvent());
      expect((await notify(serviceUrl, eventUrl, { type: 'bearer', token: body.access_token })).status).toBe(202);
    });

    it('refuses a token request with a wrong client secret', async () => {
      const res = await fetch(`${serviceUrl}/oauth2/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${OAUTH2.id}:wrong`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(401);
      // RFC 6749 §5.2: invalid_client, with the catalogue's code alongside.
      expect((await res.json()) as { code: string; error: string }).toMatchObject({
        error: 'invalid_client',
        code: 'OAUTH2_INVALID_CLIENT',
      });
    });

    const refusals: Array<[string, () => NotifyAuth | { raw: Record<string, string> }, string]> = [
      ['no credentials', () => ({ type: 'none' }), 'AUTH_MISSING'],
      [
        'a garbled OAuth header',
        () => ({ raw: { Authorization: 'OAuth oauth_consumer_key=product-key, broken' } }),
        'AUTH_MALFORMED',
      ],
      ['a wrong secret', () => ({ type: 'oauth1', key: CONSUMER.key, secret: 'wrong' }), 'AUTH_BAD_SIGNATURE'],
      ['an unknown consumer key', () => ({ type: 'oauth1', key: 'stranger', secret: 'x' }), 'AUTH_UNKNOWN_KEY'],
      [
        'a stale timestamp',
        () => ({ ...oauth1, timestamp: Math.floor(Date.now() / 1000) - 301 }),
        'AUTH_TIMESTAMP_EXPIRED',
      ],
      [
        'a wrong Basic password',
        () => ({ type: 'basic', username: BASIC.username, password: 'nope' }),
        'AUTH_BAD_CREDENTIALS',
      ],
      ['a forged bearer token', () => ({ type: 'bearer', token: 'eyJzdWIiOiJ4In0.forged' }), 'AUTH_TOKEN_INVALID'],
    ];
    it.each(refusals)('refuses %s with 401, records nothing and fetches nothing', async (_name, auth, code) => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const before = await countEvents();
      const chosen = auth();
      const res =
        'raw' in chosen
          ? await fetch(notificationRequest(serviceUrl, eventUrl, { type: 'none' }).url, { headers: chosen.raw }).then(
              async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
            )
          : await notify(serviceUrl, eventUrl, chosen);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
      expect(JSON.stringify(res.body)).not.toContain(CONSUMER.secret);
      expect(await countEvents()).toBe(before);
      expect(marketplace.fetches.get(token)).toBeUndefined();
    });

    it('refuses a replayed nonce with 401 and records nothing', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const nonce = `nonce-${token}`;
      const timestamp = Math.floor(Date.now() / 1000);
      expect((await notify(serviceUrl, eventUrl, { ...oauth1, nonce, timestamp })).status).toBe(202);
      const second = marketplace.addEvent(orderEvent());
      const before = await countEvents();
      const replay = await notify(serviceUrl, second.eventUrl, { ...oauth1, nonce, timestamp });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('AUTH_NONCE_REPLAYED');
      expect(await countEvents()).toBe(before);
      expect(marketplace.fetches.get(second.token)).toBeUndefined();
    });
  });

  describe('OAuth 1.0a replay protection', () => {
    /** A notification signed in the header with a chosen timestamp and nonce: what an eavesdropper captures. */
    const captured = (eventUrl: string, timestamp: number, nonce: string) => {
      const request = notificationRequest(serviceUrl, eventUrl, { ...oauth1, timestamp, nonce });
      const params = parseOAuthHeader(request.headers.Authorization!);
      if (typeof params === 'string') throw new Error(params);
      return { url: request.url, params };
    };
    const headerOf = (params: Map<string, string>) =>
      `OAuth ${[...params].map(([name, value]) => `${name}="${encodeURIComponent(value)}"`).join(', ')}`;
    const send = async (url: string, authorization: string) => {
      const res = await fetch(url, { headers: { Authorization: authorization, Accept: 'application/json' } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('refuses a captured notification replayed with fresh header values and the captured ones in the query, recording nothing', async () => {
      // The original, answered synchronously and finished: a successful forgery would get its stored result.
      const { token, eventUrl } = marketplace.addEvent(noticeEvent('acct-replayed', 'DEACTIVATED'));
      const old = Math.floor(Date.now() / 1000) - 3600;
      const original = captured(eventUrl, Math.floor(Date.now() / 1000), `orig-${token}`);
      expect((await send(original.url, headerOf(original.params))).status).toBe(200);
      // An hour-old capture of another notification: its signature covers the old timestamp and nonce.
      const { token: otherToken, eventUrl: otherUrl } = marketplace.addEvent(orderEvent());
      const stale = captured(otherUrl, old, `stale-${otherToken}`);
      for (const target of [original, stale]) {
        const forged = new Map(target.params);
        forged.set('oauth_timestamp', String(Math.floor(Date.now() / 1000)));
        forged.set('oauth_nonce', `fresh-${Math.random()}`);
        const url = new URL(target.url);
        url.searchParams.set('oauth_timestamp', target.params.get('oauth_timestamp')!);
        url.searchParams.set('oauth_nonce', target.params.get('oauth_nonce')!);
        const before = await countEvents();
        const res = await send(url.toString(), headerOf(forged));
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('AUTH_MALFORMED');
        expect(String(res.body.message)).toContain('more than one');
        expect(JSON.stringify(res.body)).not.toContain('accountIdentifier');
        expect(await countEvents()).toBe(before);
      }
      expect(marketplace.fetches.get(otherToken)).toBeUndefined();
    });

    it('refuses an oauth_ parameter sent twice, in the header or in the query, recording nothing', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const signed = captured(eventUrl, Math.floor(Date.now() / 1000), `dup-${token}`);
      const before = await countEvents();
      const twiceInHeader = `${headerOf(signed.params)}, oauth_nonce="another"`;
      const inHeader = await send(signed.url, twiceInHeader);
      expect(inHeader.status).toBe(401);
      expect(inHeader.body.code).toBe('AUTH_MALFORMED');
      expect(String(inHeader.body.message)).toContain('oauth_nonce');

      const querySigned = new URL(notificationRequest(serviceUrl, eventUrl, { ...oauth1, inQuery: true }).url);
      querySigned.searchParams.append('oauth_nonce', 'another');
      const inQuery = await fetch(querySigned, { headers: { Accept: 'application/json' } });
      expect(inQuery.status).toBe(401);
      expect(((await inQuery.json()) as { code: string }).code).toBe('AUTH_MALFORMED');
      expect(await countEvents()).toBe(before);
      expect(marketplace.fetches.get(token)).toBeUndefined();
    });

    it('refuses a nonce used again with another timestamp (a nonce is single-use per consumer key)', async () => {
      const { eventUrl } = marketplace.addEvent(orderEvent());
      const nonce = `reused-${Math.random()}`;
      const now = Math.floor(Date.now() / 1000);
      expect((await notify(serviceUrl, eventUrl, { ...oauth1, nonce, timestamp: now })).status).toBe(202);
      const second = marketplace.addEvent(orderEvent());
      const before = await countEvents();
      const again = await notify(serviceUrl, second.eventUrl, { ...oauth1, nonce, timestamp: now - 60 });
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('AUTH_NONCE_REPLAYED');
      expect(await countEvents()).toBe(before);
    });
  });

  describe('eventUrl validation', () => {
    const cases: Array<[string, (origin: string) => string | undefined, string]> = [
      ['missing', () => undefined, "Parameter 'eventUrl' is required."],
      [
        'on a foreign host',
        () => 'http://169.254.169.254/api/integration/v1/events/abc',
        'is not one of the marketplaces',
      ],
      [
        'with the wrong path',
        (origin) => `${origin}/admin/delete-everything`,
        'the path is not /api/integration/v1/events/<token>',
      ],
      [
        'with https instead of the listed http',
        (origin) => `${origin.replace('http:', 'https:')}/api/integration/v1/events/abc`,
        'is not one of the marketplaces',
      ],
    ];
    it.each(cases)(
      'answers 400 naming eventUrl when it is %s, and no request leaves the service',
      async (_name, build, message) => {
        const fetchesBefore = [...marketplace.fetches.values()].reduce((a, b) => a + b, 0);
        const before = await countEvents();
        const target = build(marketplace.origin);
        const request = notificationRequest(serviceUrl, target ?? 'x', oauth1);
        const url = new URL(request.url);
        if (target === undefined) url.searchParams.delete('eventUrl');
        const signed = target === undefined ? notificationRequest(serviceUrl, 'x', oauth1) : request;
        const res = await fetch(target === undefined ? `${serviceUrl}/appdirect/events` : signed.url, {
          headers: signed.headers,
        });
        const body = (await res.json()) as { code: string; message: string };
        expect(res.status).toBe(target === undefined ? 401 : 400);
        if (target !== undefined) {
          expect(body.message).toContain("Parameter 'eventUrl' is invalid");
          expect(body.message).toContain(message);
        }
        expect(await countEvents()).toBe(before);
        expect([...marketplace.fetches.values()].reduce((a, b) => a + b, 0)).toBe(fetchesBefore);
      },
    );

    it('answers 400 PARAMETER_MISSING for an authenticated request without eventUrl', async () => {
      const res = await fetch(`${serviceUrl}/appdirect/events`, {
        headers: { Authorization: `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}` },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toBe("Parameter 'eventUrl' is required.");
    });
  });

  describe('answers', () => {
    it('answers 200 success to a dummy probe token without fetching or recording', async () => {
      const before = await countEvents();
      const res = await notify(serviceUrl, marketplace.eventUrl('dummyOrder'), oauth1);
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(await countEvents()).toBe(before);
      expect(marketplace.fetches.get('dummyOrder')).toBeUndefined();
    });

    it('answers a STATELESS ping test synchronously with 200 success and changes nothing', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent({ flag: 'STATELESS' }));
      const res = await notify(serviceUrl, eventUrl, oauth1);
      expect(res).toEqual({
        status: 200,
        body: { success: true, message: 'Ping test received; nothing was changed.' },
      });
      expect(await subject.db.prisma.account.count()).toBe(0);
      const row = await subject.db.prisma.event.findUniqueOrThrow({ where: { token }, include: { deliveries: true } });
      expect(row.status).toBe('succeeded');
      expect(row.deliveries[0]?.status).toBe('not_required');
    });

    it('answers SUBSCRIPTION_NOTICE synchronously with the result', async () => {
      const { eventUrl } = marketplace.addEvent(noticeEvent('acct-unknown', 'DEACTIVATED'));
      const res = await notify(serviceUrl, eventUrl, oauth1);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: false, errorCode: 'ACCOUNT_NOT_FOUND' });
    });

    it('keeps one inbox row and one job for duplicate notifications', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const answers = await Promise.all(Array.from({ length: 5 }, () => notify(serviceUrl, eventUrl, oauth1)));
      expect(answers.every((a) => a.status === 202)).toBe(true);
      expect(await subject.db.prisma.event.count({ where: { token } })).toBe(1);
      await jobOf(token);
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed']);
      expect(jobs.filter((job) => job.data.token === token)).toHaveLength(1);
    });

    it('answers a repeat notification for a finished event with 200 and the stored result', async () => {
      const { eventUrl } = marketplace.addEvent(noticeEvent('acct-unknown-2', 'REACTIVATED'));
      const first = await notify(serviceUrl, eventUrl, oauth1);
      const again = await notify(serviceUrl, eventUrl, oauth1);
      expect(again).toEqual(first);
      expect(again.status).toBe(200);
    });

    it('with ack=early answers 202 once the notification is recorded, without fetching; the job is queued', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const res = await notify(serviceUrl, eventUrl, oauth1, { ack: 'early' });
      expect(res).toEqual({ status: 202, body: { success: true } });
      expect(marketplace.fetches.get(token)).toBeUndefined();
      const row = await subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
      expect(row.status).toBe('queued');
      expect(row.queuedAt).not.toBeNull();
      expect(row.payload).toBeNull(); // the worker fetches it
      expect(await jobOf(token)).toBeDefined();
    });

    it('with ack=after-fetch (the default, also when named) fetches inline first', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      expect((await notify(serviceUrl, eventUrl, oauth1, { ack: 'after-fetch' })).status).toBe(202);
      expect(marketplace.fetches.get(token)).toBe(1);
    });

    it('answers 400 naming ack for an unknown ack value, and records nothing', async () => {
      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const before = await countEvents();
      const res = await notify(serviceUrl, eventUrl, oauth1, { ack: 'now' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('PARAMETER_INVALID');
      expect(res.body.message).toContain("Parameter 'ack' is invalid");
      expect(await countEvents()).toBe(before);
      expect(marketplace.fetches.get(token)).toBeUndefined();
    });

    it('records a burst of concurrent notifications (one statement per batch) and refuses a nonce replayed inside the burst', async () => {
      const events = Array.from({ length: 40 }, () => marketplace.addEvent(orderEvent()));
      const timestamp = Math.floor(Date.now() / 1000);
      const shared = `burst-nonce-${events[0]!.token}`;
      const answers = await Promise.all([
        ...events.map(({ eventUrl }, i) =>
          notify(serviceUrl, eventUrl, i < 2 ? { ...oauth1, nonce: shared, timestamp } : oauth1, { ack: 'early' }),
        ),
        // the same token twice in the burst
        notify(serviceUrl, events[5]!.eventUrl, oauth1, { ack: 'early' }),
      ]);
      const statuses = answers.map((a) => a.status);
      // Exactly one of the two notifications sharing a nonce is accepted.
      expect([statuses[0], statuses[1]].sort()).toEqual([202, 401]);
      expect(statuses.slice(2).every((status) => status === 202)).toBe(true);
      const refused = statuses[0] === 401 ? events[0]! : events[1]!;
      const rows = await subject.db.prisma.event.findMany({
        where: { token: { in: events.map((e) => e.token) } },
        orderBy: { seq: 'asc' },
      });
      expect(rows.map((r) => r.token).sort()).toEqual(
        events
          .map((e) => e.token)
          .filter((t) => t !== refused.token)
          .sort(),
      );
      expect(rows.every((r) => r.status === 'queued')).toBe(true);
    });

    it('falls back to 202 when the inline fetch is slower than the deadline', async () => {
      const { token, eventUrl } = marketplace.addEvent(noticeEvent('acct-slow', 'DEACTIVATED'));
      marketplace.fetchFaults.push({ delayMs: 3000, status: 200, times: 1 });
      const res = await notify(serviceUrl, eventUrl, oauth1);
      expect(res.status).toBe(202);
      const row = await subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
      expect(row.status).toBe('queued');
      expect(row.payload).toBeNull();
    });
  });
});
