/**
 * The ingest load: OAuth 1.0a-signed notifications (each for a new event) from autocannon, and the
 * bare-Express baseline the benches measure the service against in the same run.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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

/** The processes whose CPU per request a load also reports, besides the target's own. */
export interface AlsoMeasured {
  /** The port of the PostgreSQL server the target uses: its postmaster and every backend it forked. */
  readonly postgresPort?: number;
  /** The port of the redis-server the target uses. */
  readonly redisPort?: number;
  readonly marketplacePid?: number;
}

/** CPU time (ms) of the redis-server on `port` (its title names the address it listens on); NaN when not found. */
export function redisCpuMs(port: number | undefined): number {
  if (port === undefined) return Number.NaN;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (/^redis-server\s/.test(title) && title.endsWith(`:${port}`)) return cpuMsOf(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return Number.NaN;
}

/** CPU time (ms) of the PostgreSQL server on `port` (postmaster and its children), from /proc; NaN when not found. */
export function postgresCpuMs(port: number | undefined): number {
  if (port === undefined) return Number.NaN;
  const parents = new Map<number, number>();
  let postmaster: number | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]));
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)postgres$/.test(args[0] ?? '') && args[args.indexOf('-p') + 1] === String(port))
        postmaster = Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  if (postmaster === undefined) return Number.NaN;
  let total = 0;
  for (const [pid, parent] of parents) if (pid === postmaster || parent === postmaster) total += cpuMsOf(pid);
  return total;
}

export async function load(
  origin: string,
  marketplaceOrigin: string,
  pid: number | undefined,
  ack: Ack = 'after-fetch',
  durationS = DURATION_S,
  also: AlsoMeasured = {},
) {
  const cpuBefore = cpuMsOf(pid);
  const postgresBefore = postgresCpuMs(also.postgresPort);
  const redisBefore = redisCpuMs(also.redisPort);
  const marketplaceBefore = cpuMsOf(also.marketplacePid);
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
  const perRequest = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests.total));
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p95: result.latency.p97_5 ?? result.latency.p90,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    /** CPU time the target process spent per answered request (µs). */
    cpuMicrosPerRequest: perRequest(cpuMsOf(pid) - cpuBefore),
    /** The same for PostgreSQL, Redis and the fake marketplace (NaN when not measured). */
    postgresCpuMicrosPerRequest: perRequest(postgresCpuMs(also.postgresPort) - postgresBefore),
    redisCpuMicrosPerRequest: perRequest(redisCpuMs(also.redisPort) - redisBefore),
    marketplaceCpuMicrosPerRequest: perRequest(cpuMsOf(also.marketplacePid) - marketplaceBefore),
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
