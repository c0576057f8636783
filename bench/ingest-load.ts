/**
 * The ingest load: OAuth 1.0a-signed notifications (each for a new event) from autocannon, and the
 * bare-Express baseline the benches measure the service against in the same run.
 */
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import OAuth from 'oauth-1.0a';
import { findFreePort } from '../src/runtime/ports';
import { cpuMsOf, startProcess } from './support';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
export const CONSUMER = { key: 'bench-key', secret: 'bench-secret' };

const signer = new OAuth({
  consumer: CONSUMER,
  signature_method: 'HMAC-SHA1',
  hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
});

export type Ack = 'after-fetch' | 'early';

function signedRequest(
  serviceOrigin: string,
  marketplaceOrigin: string,
  n: number,
  ack: Ack,
): { path: string; headers: Record<string, string> } {
  const eventUrl = `${marketplaceOrigin}/api/integration/v1/events/bench-${process.pid}-${ack}-${n}`;
  const data: Record<string, string> = ack === 'early' ? { eventUrl, ack } : { eventUrl };
  const path = `/appdirect/events?${new URLSearchParams(data).toString()}`;
  const oauth = signer.authorize({ url: `${serviceOrigin}/appdirect/events`, method: 'GET', data });
  return { path, headers: { ...signer.toHeader(oauth), accept: 'application/json' } };
}

/** Shared by every load run, so each notification of the whole benchmark is for a new event (no repeats). */
let counter = 0;

export async function load(
  origin: string,
  marketplaceOrigin: string,
  pid: number | undefined,
  ack: Ack = 'after-fetch',
  durationS = DURATION_S,
) {
  const cpuBefore = cpuMsOf(pid);
  const result = await autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          counter += 1;
          const signed = signedRequest(origin, marketplaceOrigin, counter, ack);
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
    /** CPU time the target process spent per answered request (µs). */
    cpuMicrosPerRequest: Math.round(((cpuMsOf(pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total)),
  };
}

/** The bare Express handler (bench/bare-server.ts) in a process of its own. */
export async function startBareServer(): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await findFreePort();
  const bare = startProcess('bench/bare-server.ts', { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  while (
    (await fetch(`${url}/status`)
      .then((r) => r.status)
      .catch(() => 0)) !== 200
  )
    await new Promise((r) => setTimeout(r, 100));
  return { url, pid: bare.child.pid, stop: () => bare.stop() };
}

/**
 * CPU µs one bare-Express request costs on this machine now: the unit the e2e and capacity benches express
 * CPU per event in (absolute CPU differs threefold between machines of the same kind; this ratio does not).
 */
export async function bareRequestCpuMicros(durationS = 5): Promise<number> {
  const bare = await startBareServer();
  try {
    await load(bare.url, 'http://127.0.0.1:9', bare.pid, 'after-fetch', 1);
    return (await load(bare.url, 'http://127.0.0.1:9', bare.pid, 'after-fetch', durationS)).cpuMicrosPerRequest;
  } finally {
    await bare.stop();
  }
}
