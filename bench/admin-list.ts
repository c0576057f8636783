/**
 * Admin listing with 100k events stored: latency of GET /admin/api/events for
 * each filter (through HTTP, the API process as deployed), and the PostgreSQL
 * plan of the equivalent query (it must use an index, not scan the table).
 */
import pg from 'pg';
import { runMain, saveResult, startApi, startInfra, table } from './support';

const EVENTS = Number(process.env.BENCH_STORED_EVENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
/** Requests per filter before measuring (the API process's JIT, its first connections and prepared statements). */
const WARMUP_RUNS = Number(process.env.BENCH_WARMUP_RUNS ?? 5);
const TOKEN = 'bench-admin-token-0123456789abcdef012345';

async function seed(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // 2 % failed, 3 % still queued, 10 event types, 5,000 accounts; received over the last 30 days.
  await client.query(`
    INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, type, "accountId", "companyUuid", "companyName", "errorCode", attempts, "receivedAt", "updatedAt")
    SELECT 'tok-' || i, 'https://m.example/api/integration/v1/events/tok-' || i, 'https://m.example',
           (CASE WHEN i % 50 = 0 THEN 'failed' WHEN i % 33 = 0 THEN 'queued' ELSE 'succeeded' END)::"EventStatus",
           (ARRAY['SUBSCRIPTION_ORDER','SUBSCRIPTION_CHANGE','SUBSCRIPTION_CANCEL','SUBSCRIPTION_NOTICE','USER_ASSIGNMENT','USER_UNASSIGNMENT','USER_UPDATED','ADDON_ORDER','ADDON_BIND','ADDON_UNBIND'])[1 + i % 10],
           'acct-' || (i % 5000), 'company-' || (i % 5000), 'Company ' || (i % 5000),
           CASE WHEN i % 50 = 0 THEN (ARRAY['MAX_USERS_REACHED','TRANSPORT_ERROR','ACCOUNT_NOT_FOUND'])[1 + (i / 50) % 3] END,
           1, now() - ((${EVENTS} - i) * interval '26 seconds'), now()
    FROM generate_series(1, ${EVENTS}) AS i`);
  await client.query('ANALYZE events');
  await client.end();
}

const CASES: Array<[string, string, string]> = [
  ['newest page (no filter)', '', 'ORDER BY seq DESC LIMIT 51'],
  ['status=failed', 'status=failed', `WHERE status = 'failed' ORDER BY seq DESC LIMIT 51`],
  ['type=USER_ASSIGNMENT', 'type=USER_ASSIGNMENT', `WHERE type = 'USER_ASSIGNMENT' ORDER BY seq DESC LIMIT 51`],
  ['accountIdentifier', 'accountIdentifier=acct-4242', `WHERE "accountId" = 'acct-4242' ORDER BY seq DESC LIMIT 51`],
  ['companyUuid', 'companyUuid=company-77', `WHERE "companyUuid" = 'company-77' ORDER BY seq DESC LIMIT 51`],
  [
    'errorCode=MAX_USERS_REACHED',
    'errorCode=MAX_USERS_REACHED',
    `WHERE "errorCode" = 'MAX_USERS_REACHED' ORDER BY seq DESC LIMIT 51`,
  ],
  [
    'status=failed & type',
    'status=failed&type=SUBSCRIPTION_ORDER',
    `WHERE status = 'failed' AND type = 'SUBSCRIPTION_ORDER' ORDER BY seq DESC LIMIT 51`,
  ],
  [
    'one day (from/to)',
    'from=FROM&to=TO',
    `WHERE "receivedAt" >= 'FROM' AND "receivedAt" < 'TO' ORDER BY seq DESC LIMIT 51`,
  ],
];

async function main(): Promise<void> {
  const infra = await startInfra();
  try {
    const url = await infra.newDatabase('bench_admin');
    await seed(url);
    const api = await startApi({ DATABASE_URL: url, REDIS_URL: infra.redisUrl, ADMIN_TOKEN: `bench:${TOKEN}` });
    const from = new Date(Date.now() - 3 * 86400_000).toISOString();
    const to = new Date(Date.now() - 2 * 86400_000).toISOString();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows: Array<Record<string, string | number>> = [];
    const list = (q: string) =>
      fetch(`${api.url}/admin/api/events?${q}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    for (const [, query] of CASES) {
      const q = query.replace('FROM', encodeURIComponent(from)).replace('TO', encodeURIComponent(to));
      for (let i = 0; i < WARMUP_RUNS; i += 1) await (await list(q)).arrayBuffer();
    }
    for (const [name, query, sqlTail] of CASES) {
      const q = query.replace('FROM', encodeURIComponent(from)).replace('TO', encodeURIComponent(to));
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < RUNS; i += 1) {
        const started = performance.now();
        const res = await list(q);
        const body = (await res.json()) as { items: unknown[] };
        times.push(performance.now() - started);
        count = body.items.length;
      }
      times.sort((a, b) => a - b);
      const plan = (
        await client.query(`EXPLAIN SELECT * FROM events ${sqlTail.replace('FROM', from).replace('TO', to)}`)
      ).rows.map((r) => r['QUERY PLAN'] as string);
      const usesIndex = plan.some((line) => /Index/.test(line)) && !plan.some((line) => /Seq Scan/.test(line));
      rows.push({
        filter: name,
        items: count,
        'p50 ms': times[Math.floor(RUNS / 2)]!.toFixed(1),
        'p95 ms': times[Math.floor(RUNS * 0.95)]!.toFixed(1),
        'index only, no seq scan': usesIndex ? 'yes' : `NO: ${plan[0]}`,
      });
    }
    await client.end();
    await api.stop();
    console.log(
      `admin listing with ${EVENTS} stored events, ${RUNS} requests per filter after ${WARMUP_RUNS} warm-up requests each (HTTP, one API process)`,
    );
    console.log(table(rows));
    console.log(`wrote ${saveResult('admin-list', { storedEvents: EVENTS, runs: RUNS, rows })}`);
  } finally {
    await infra.stop();
  }
}

runMain(main);
