/**
 * Ingest: OAuth 1.0a-signed notifications accepted per second and their
 * latency, against a bare Express 200 handler in the same run. Each request is
 * a new event (unique token and nonce): authenticate, validate, record in
 * PostgreSQL, fetch inline from the fake marketplace, enqueue, answer 202.
 * Besides the API's CPU per request, PostgreSQL's and the fake marketplace's
 * (they share the machine's cores with the API and the load generator).
 */
import { CONSUMER, load, startBareServer } from './ingest-load';
import { runMain, saveResult, startApi, startInfra, startMarketplaceProcess, table } from './support';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Unrecorded load on every target first, so no round measures code that has not been compiled by the JIT yet. */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
/** `early` or `after-fetch` runs one of the two service targets (e.g. to profile it). */
const ONLY = process.env.BENCH_ACK;
async function main(): Promise<void> {
  const infra = await startInfra();
  const marketplace = await startMarketplaceProcess({
    BENCH_CONSUMER_KEY: CONSUMER.key,
    BENCH_CONSUMER_SECRET: CONSUMER.secret,
  });
  const databaseUrl = await infra.newDatabase('bench_ingest');
  const api = await startApi({
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    APPDIRECT_CONSUMER_KEY: CONSUMER.key,
    APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
    APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
  });
  const bare = await startBareServer();
  const bareUrl = bare.url;
  const also = {
    postgresPort: Number(new URL(infra.postgresUrl).port),
    redisPort: Number(new URL(infra.redisUrl).port),
    marketplacePid: marketplace.pid,
  };
  try {
    console.log(
      `ingest: ${WARMUP_S} s warm-up, then ${ROUNDS} rounds of ${DURATION_S} s per target, ${CONNECTIONS} connections`,
    );
    const skipped = {
      requestsPerSecond: 0,
      p50: 0,
      p95: 0,
      p99: 0,
      non2xx: 0,
      errors: 0,
      cpuMicrosPerRequest: 0,
      postgresCpuMicrosPerRequest: 0,
      redisCpuMicrosPerRequest: 0,
      marketplaceCpuMicrosPerRequest: 0,
    };
    type Load = typeof skipped;
    const rounds: Array<{ bare: Load; service: Load; serviceAckEarly: Load; ratio: number; ratioAckEarly: number }> =
      [];
    const row = (target: string, r: Load) => ({
      target,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50,
      'p97.5 ms': r.p95,
      'p99 ms': r.p99,
      'non-2xx': r.non2xx,
      errors: r.errors,
      'CPU µs/req': r.cpuMicrosPerRequest,
      'PostgreSQL µs/req': r.postgresCpuMicrosPerRequest,
      'Redis µs/req': r.redisCpuMicrosPerRequest,
      'marketplace µs/req': r.marketplaceCpuMicrosPerRequest,
    });
    if (WARMUP_S > 0) {
      await load(bareUrl, marketplace.origin, bare.pid, 'after-fetch', WARMUP_S);
      if (ONLY !== 'early') await load(api.url, marketplace.origin, api.child.pid, 'after-fetch', WARMUP_S, also);
      if (ONLY !== 'after-fetch') await load(api.url, marketplace.origin, api.child.pid, 'early', WARMUP_S, also);
    }
    // Rounds alternate the targets, so a slow spell of the shared machine hits all of them; the median round is reported.
    for (let round = 1; round <= ROUNDS; round += 1) {
      const bareResult = await load(bareUrl, marketplace.origin, bare.pid);
      const serviceResult =
        ONLY === 'early'
          ? skipped
          : await load(api.url, marketplace.origin, api.child.pid, 'after-fetch', undefined, also);
      const earlyResult =
        ONLY === 'after-fetch'
          ? skipped
          : await load(api.url, marketplace.origin, api.child.pid, 'early', undefined, also);
      const ratio = serviceResult.requestsPerSecond / bareResult.requestsPerSecond;
      const ratioAckEarly = earlyResult.requestsPerSecond / bareResult.requestsPerSecond;
      rounds.push({ bare: bareResult, service: serviceResult, serviceAckEarly: earlyResult, ratio, ratioAckEarly });
      console.log(
        `\nround ${round}\n${table([row('bare Express 200', bareResult), row('service, ack=after-fetch (default)', serviceResult), row('service, ack=early', earlyResult)])}`,
      );
      console.log(`ratio, ack=after-fetch: ${ratio.toFixed(2)}x; ack=early: ${ratioAckEarly.toFixed(2)}x`);
      // What a notification costs the service's own processes, in bare requests of this round (CPU).
      const inBare = (r: Load) =>
        (
          (r.cpuMicrosPerRequest + r.postgresCpuMicrosPerRequest + r.redisCpuMicrosPerRequest) /
          bareResult.cpuMicrosPerRequest
        ).toFixed(1);
      console.log(
        `CPU per notification (API + PostgreSQL + Redis) in bare requests: ack=after-fetch ${inBare(serviceResult)}, ack=early ${inBare(earlyResult)}`,
      );
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const ratio = median(rounds.map((r) => r.ratio));
    const ratioAckEarly = median(rounds.map((r) => r.ratioAckEarly));
    console.log(
      `\nmedian of ${ROUNDS} rounds: ack=after-fetch ${ratio.toFixed(2)}x the bare handler (rounds ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}; ` +
        `p99 ${rounds.map((r) => r.service.p99).join(', ')} ms); ` +
        `ack=early ${ratioAckEarly.toFixed(2)}x (rounds ${rounds.map((r) => r.ratioAckEarly.toFixed(2)).join(', ')}). ` +
        `Targets (issue 24): ack=after-fetch >= 0.12x with p99 <= 50 ms; ack=early >= 0.25x.`,
    );
    console.log(
      `wrote ${saveResult('ingest', { durationSeconds: DURATION_S, connections: CONNECTIONS, rounds, ratio, ratioAckEarly })}`,
    );
  } finally {
    await bare.stop();
    await api.stop();
    await marketplace.stop();
    await infra.stop();
  }
}

runMain(main);
