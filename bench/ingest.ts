/**
 * Ingest: OAuth 1.0a-signed notifications accepted per second and their
 * latency, against a bare Express 200 handler in the same run. Each request is
 * a new event (unique token and nonce): authenticate, validate, record in
 * PostgreSQL, fetch inline from the fake marketplace, enqueue, answer 202.
 */
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import OAuth from 'oauth-1.0a';
import { findFreePort } from '../src/runtime/ports';
import { runMain, saveResult, startApi, startInfra, startMarketplaceProcess, startProcess, table } from './support';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const CONSUMER = { key: 'bench-key', secret: 'bench-secret' };

const signer = new OAuth({ consumer: CONSUMER, signature_method: 'HMAC-SHA1', hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64') });

function signedRequest(serviceOrigin: string, marketplaceOrigin: string, n: number): { path: string; headers: Record<string, string> } {
  const eventUrl = `${marketplaceOrigin}/api/integration/v1/events/bench-${process.pid}-${n}`;
  const path = `/appdirect/events?eventUrl=${encodeURIComponent(eventUrl)}`;
  const oauth = signer.authorize({ url: `${serviceOrigin}/appdirect/events`, method: 'GET', data: { eventUrl } });
  return { path, headers: { ...signer.toHeader(oauth), accept: 'application/json' } };
}

async function load(origin: string, marketplaceOrigin: string) {
  let counter = 0;
  const result = await autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          counter += 1;
          const signed = signedRequest(origin, marketplaceOrigin, counter);
          return { ...req, path: signed.path, headers: signed.headers };
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p95: result.latency.p97_5 ?? result.latency.p90,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const infra = await startInfra();
  const marketplace = await startMarketplaceProcess({ BENCH_CONSUMER_KEY: CONSUMER.key, BENCH_CONSUMER_SECRET: CONSUMER.secret });
  const databaseUrl = await infra.newDatabase('bench_ingest');
  const api = await startApi({
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    APPDIRECT_CONSUMER_KEY: CONSUMER.key,
    APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
    APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
  });
  const barePort = await findFreePort();
  const bare = startProcess('bench/bare-server.ts', { PORT: String(barePort) });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  while ((await fetch(`${bareUrl}/status`).then((r) => r.status).catch(() => 0)) !== 200) await new Promise((r) => setTimeout(r, 100));
  try {
    console.log(`ingest: ${DURATION_S} s per target, ${CONNECTIONS} connections`);
    const bareResult = await load(bareUrl, marketplace.origin);
    const serviceResult = await load(api.url, marketplace.origin);
    const ratio = serviceResult.requestsPerSecond / bareResult.requestsPerSecond;
    console.log(
      table([
        { target: 'bare Express 200', 'req/s': bareResult.requestsPerSecond, 'p50 ms': bareResult.p50, 'p97.5 ms': bareResult.p95, 'p99 ms': bareResult.p99, 'non-2xx': bareResult.non2xx },
        { target: 'appdirect-provisioner', 'req/s': serviceResult.requestsPerSecond, 'p50 ms': serviceResult.p50, 'p97.5 ms': serviceResult.p95, 'p99 ms': serviceResult.p99, 'non-2xx': serviceResult.non2xx },
      ]),
    );
    console.log(`ratio: ${ratio.toFixed(2)}x the bare handler (target >= 0.25x, p99 <= 250 ms)`);
    console.log(`wrote ${saveResult('ingest', { durationSeconds: DURATION_S, connections: CONNECTIONS, bare: bareResult, service: serviceResult, ratio })}`);
  } finally {
    await bare.stop();
    await api.stop();
    await marketplace.stop();
    await infra.stop();
  }
}

runMain(main);
