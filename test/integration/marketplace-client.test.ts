/**
 * The marketplace client's HTTP (src/marketplace/http.ts) against real servers on loopback: connections kept
 * alive and reused, each call's deadline (covering the body), the body limit, redirects refused, TLS
 * certificates verified, and what it sends.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MarketplaceError } from '../../src/errors/internal';
import { MarketplaceClient, MAX_EVENT_BYTES } from '../../src/marketplace/client';
import { FakeMarketplace } from '../../tools/fake-marketplace/server';

const CONSUMER = { key: 'client-test-key', secret: 'client-test-secret' };
const EVENT_PATH = '/api/integration/v1/events/t1';

/** A loopback server answering every request with `handler`; `requests` counts what reached it. */
async function startServer(
  handler: http.RequestListener,
): Promise<{ origin: string; requests: http.IncomingMessage[]; close(): Promise<void> }> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<MarketplaceError> {
  const outcome = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof MarketplaceError)) throw new Error(`expected a MarketplaceError, got ${String(outcome)}`);
  return outcome;
}

const client = (options: { timeoutMs?: number; maxResponseBytes?: number } = {}) =>
  new MarketplaceClient({ credentials: { consumer: CONSUMER }, ...options });

describe('marketplace client: connections', () => {
  let marketplace: FakeMarketplace;

  beforeAll(async () => {
    marketplace = await new FakeMarketplace({
      consumer: CONSUMER,
      fallbackEvent: (token) => ({ type: 'SUBSCRIPTION_ORDER', token }),
    }).start();
  });
  afterAll(() => marketplace.stop());

  it('keeps connections alive: 40 fetches one after another open at most 2, rounds of 16 at once at most 17', async () => {
    const fetcher = client();
    const before = marketplace.connectionsAccepted;
    for (let i = 0; i < 40; i += 1)
      await expect(fetcher.fetchEvent(marketplace.eventUrl(`seq-${i}`))).resolves.toMatchObject({ token: `seq-${i}` });
    // A call sent in the same tick its predecessor's body ended may find that connection not yet free.
    expect(marketplace.connectionsAccepted - before).toBeLessThanOrEqual(2);
    for (let round = 0; round < 4; round += 1) {
      // The pool frees a connection on the tick after its answer ended; a burst sent in that same tick opens more.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all(
        Array.from({ length: 16 }, (_, i) => fetcher.fetchEvent(marketplace.eventUrl(`par-${round}-${i}`))),
      );
    }
    expect(marketplace.connectionsAccepted - before).toBeLessThanOrEqual(17);
    expect(marketplace.fetches.get('par-3-15')).toBe(1);
  });

  it('posts results on the same connections as the fetches', async () => {
    const fetcher = client();
    await fetcher.fetchEvent(marketplace.eventUrl('mixed-1'));
    const before = marketplace.connectionsAccepted;
    for (let i = 0; i < 10; i += 1) {
      await fetcher.postResult(`${marketplace.origin}${EVENT_PATH.replace('t1', `mixed-${i}`)}/result`, {
        success: true,
      });
      await fetcher.fetchEvent(marketplace.eventUrl(`mixed-${i}`));
    }
    expect(marketplace.connectionsAccepted - before).toBeLessThanOrEqual(1);
    expect(marketplace.resultsFor('mixed-9')).toHaveLength(1);
  });
});

describe('marketplace client: what each call keeps', () => {
  it('says who it is and asks for JSON, signed', async () => {
    const server = await startServer((_req, res) => res.end('{}'));
    try {
      await client().fetchEvent(`${server.origin}${EVENT_PATH}`);
      const headers = server.requests[0]!.headers;
      expect(headers['user-agent']).toBe('appdirect-provisioner');
      expect(headers.accept).toBe('application/json');
      expect(headers.authorization).toMatch(/^OAuth oauth_consumer_key="client-test-key", oauth_nonce="[0-9a-f]{32}"/);
    } finally {
      await server.close();
    }
  });

  it('gives up at its deadline when no answer comes (timeout, transient)', async () => {
    const server = await startServer(() => undefined); // never answers
    try {
      const startedAt = Date.now();
      const error = await rejectionOf(client().fetchEvent(`${server.origin}${EVENT_PATH}`, { timeoutMs: 300 }));
      expect(error.kind).toBe('timeout');
      expect(error.transient).toBe(true);
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    } finally {
      await server.close();
    }
  });

  it('gives up at its deadline while the body is still coming (the deadline covers the body)', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type": "SUBSCRIPTION_'); // and nothing more
    });
    try {
      const error = await rejectionOf(client().fetchEvent(`${server.origin}${EVENT_PATH}`, { timeoutMs: 300 }));
      expect(error.kind).toBe('timeout');
    } finally {
      await server.close();
    }
  });

  it('refuses a body over the limit, declared or streamed (1 MiB by default)', async () => {
    const big = `{"pad":"${'x'.repeat(MAX_EVENT_BYTES)}"}`;
    const server = await startServer((req, res) => {
      if (req.url?.endsWith('/declared')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) });
        res.end(big);
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked: no length declared
        for (let at = 0; at < big.length; at += 64 * 1024) res.write(big.slice(at, at + 64 * 1024));
        res.end();
      }
    });
    try {
      for (const token of ['declared', 'streamed']) {
        const error = await rejectionOf(client().fetchEvent(`${server.origin}/api/integration/v1/events/${token}`));
        expect(error.kind).toBe('too_large');
        expect(error.transient).toBe(false);
      }
      const small = client({ maxResponseBytes: 100 });
      await expect(small.fetchEvent(`${server.origin}/api/integration/v1/events/streamed`)).rejects.toMatchObject({
        kind: 'too_large',
      });
    } finally {
      await server.close();
    }
  });

  it('does not follow redirects: a 3xx is the answer', async () => {
    const elsewhere = await startServer((_req, res) => res.end('{"type":"SUBSCRIPTION_ORDER"}'));
    const server = await startServer((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.origin}${EVENT_PATH}` });
      res.end();
    });
    try {
      const error = await rejectionOf(client().fetchEvent(`${server.origin}${EVENT_PATH}`));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 302 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await server.close();
      await elsewhere.close();
    }
  });

  const openssl = !spawnSync('openssl', ['version'], { stdio: 'ignore' }).error;
  (openssl ? it : it.skip)('verifies TLS certificates: a self-signed marketplace is a network failure', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adp-tls-'));
    try {
      const made = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          'key.pem',
          '-out',
          'cert.pem',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { cwd: dir, encoding: 'utf8' },
      );
      if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
      let answered = 0;
      const server = https.createServer(
        { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
        (_req, res) => {
          answered += 1;
          res.end('{"type":"SUBSCRIPTION_ORDER"}');
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}${EVENT_PATH}`;
        const error = await rejectionOf(client().fetchEvent(url));
        expect(error.kind).toBe('network');
        expect(error.message).toMatch(/self[- ]signed/i);
        expect(answered).toBe(0);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
