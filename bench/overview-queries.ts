/**
 * The overview's cost against the number of stored events: the same last 7 days of traffic (10,000
 * events a day, each with its result delivery and a hook call for one in ten) under 100k, then 1M stored
 * events (the older ones finished before the window). Reports the time of GET /admin/api/overview's
 * queries (buildOverview, the service's own code) for 24h and 7d at both sizes, and EXPLAIN (ANALYZE,
 * BUFFERS) of every statement at 1M. Rows are bulk-inserted with generate_series into a throw-away
 * database (a few minutes in all). `npm run bench:overview`; figures in docs/benchmarks.md.
 */
import pg from 'pg';
import { buildOverview, overviewStatements, type OverviewWindow } from '../src/admin/overview';
import { createPrisma } from '../src/db/client';
import { runMain, saveResult, startInfra, table } from './support';

const PER_DAY = Number(process.env.BENCH_OVERVIEW_PER_DAY ?? 10_000);
const SIZES = (process.env.BENCH_OVERVIEW_STORED ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RECENT = PER_DAY * 7;

/**
 * Inserts events `first`..`last` (1-based). Event i finished `ago(i)` before now; results were delivered a
 * second later, except the 40 newest (20 pending, 20 failed); one event in ten owed a hook call (done,
 * except the 10 newest).
 */
async function insertEvents(client: pg.Client, first: number, last: number, ago: string): Promise<void> {
  await client.query(`
    INSERT INTO events (seq, token, "eventUrl", "marketplaceBaseUrl", status, type, "accountId", "errorCode", attempts, "receivedAt", "finishedAt", "updatedAt")
    SELECT i, 'tok-' || i, 'https://m.example/api/integration/v1/events/tok-' || i, 'https://m.example',
           (CASE WHEN i % 97 = 0 THEN 'failed' WHEN i % 89 = 0 THEN 'cancelled' WHEN i % 13 = 0 THEN 'refused' ELSE 'succeeded' END)::"EventStatus",
           (ARRAY['SUBSCRIPTION_ORDER','SUBSCRIPTION_CHANGE','USER_ASSIGNMENT','USER_UNASSIGNMENT'])[1 + i % 4], 'acct-' || (i % 5000),
           CASE WHEN i % 97 = 0 THEN 'TRANSPORT_ERROR' WHEN i % 89 = 0 THEN 'OPERATION_CANCELLED' WHEN i % 13 = 0 THEN 'MAX_USERS_REACHED' END,
           1, f - make_interval(secs => 0.2 + (i % 20) * 0.05), f, f
    FROM generate_series(${first}, ${last}) AS i, LATERAL (SELECT now() - (${ago}) AS f) AS finished`);
  await client.query(`
    INSERT INTO result_deliveries ("eventSeq", "resultUrl", body, status, attempts, "createdAt", "deliveredAt", "updatedAt")
    SELECT seq, 'https://m.example/r', '{"success":true}', 'delivered', 1, "finishedAt", "finishedAt" + interval '1 second', "finishedAt"
    FROM events WHERE seq BETWEEN ${first} AND ${last}`);
  await client.query(`
    INSERT INTO hook_calls ("accountId", "eventToken", kind, args, done, attempts, "createdAt", "doneAt")
    SELECT NULL, token, 'userAssigned', '{}', true, 1, "finishedAt", "finishedAt" FROM events WHERE seq BETWEEN ${first} AND ${last} AND seq % 10 = 0`);
}

async function seedRecent(client: pg.Client): Promise<void> {
  // Event i of the last 7 days finished i * (1 day / PER_DAY) ago: seq 1 is the newest (and owes the most).
  await insertEvents(client, 1, RECENT, `make_interval(secs => i * ${86_400 / PER_DAY})`);
  await client.query(
    `UPDATE result_deliveries SET status = 'pending', "deliveredAt" = NULL, attempts = 2 WHERE "eventSeq" BETWEEN 1 AND 20`,
  );
  await client.query(
    `UPDATE result_deliveries SET status = 'failed', "deliveredAt" = NULL, attempts = 140 WHERE "eventSeq" BETWEEN 21 AND 40`,
  );
  await client.query(
    `UPDATE hook_calls SET done = false, "doneAt" = NULL WHERE id IN (SELECT id FROM hook_calls ORDER BY id LIMIT 10)`,
  );
  await client.query(`
    INSERT INTO events (seq, token, "eventUrl", "marketplaceBaseUrl", status, "receivedAt", "updatedAt")
    SELECT ${RECENT} + i, 'waiting-' || i, 'https://m.example/api/integration/v1/events/waiting-' || i, 'https://m.example', 'queued', now() - make_interval(secs => i), now()
    FROM generate_series(1, 50) AS i`);
}

/** Older events, finished between 8 and 400 days ago: outside both windows. */
async function seedOlder(client: pg.Client, from: number, to: number): Promise<void> {
  await insertEvents(
    client,
    RECENT + 50 + from,
    RECENT + 50 + to,
    `interval '8 days' + make_interval(secs => (i % 34560000))`,
  );
}

async function timeOverview(
  prisma: ReturnType<typeof createPrisma>,
  window: OverviewWindow,
): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 3; i += 1) {
    const started = performance.now();
    await buildOverview({ prisma }, window);
    if (i >= 3) times.push(performance.now() - started); // 3 warm-up runs
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(RUNS / 2)]!, p95: times[Math.floor(RUNS * 0.95)]! };
}

async function explainAll(client: pg.Client, window: OverviewWindow): Promise<string> {
  const sections: string[] = [];
  for (const [name, statement] of Object.entries(overviewStatements(window, Date.now()))) {
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`,
      statement.values as unknown[],
    );
    sections.push(`-- ${name} (${window})\n${plan.rows.map((r) => r['QUERY PLAN'] as string).join('\n')}`);
  }
  return sections.join('\n\n');
}

async function main(): Promise<void> {
  const infra = await startInfra();
  try {
    const url = await infra.newDatabase('bench_overview');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const prisma = createPrisma(url);
    const rows: Array<Record<string, string | number>> = [];
    let stored = 0;
    let explained = '';
    for (const size of SIZES) {
      const started = performance.now();
      if (stored === 0) {
        await seedRecent(client);
        stored = RECENT + 50;
      }
      if (size > stored) {
        await seedOlder(client, stored - RECENT - 50 + 1, size - RECENT - 50);
        stored = size;
      }
      await client.query(`SELECT setval(pg_get_serial_sequence('events', 'seq'), (SELECT max(seq) FROM events))`);
      await client.query('VACUUM ANALYZE');
      const seedSeconds = (performance.now() - started) / 1000;
      const count = Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
      for (const window of ['24h', '7d'] as const) {
        const { p50, p95 } = await timeOverview(prisma, window);
        rows.push({
          'stored events': count,
          window,
          'in window': window === '24h' ? PER_DAY : RECENT,
          'p50 ms': p50.toFixed(1),
          'p95 ms': p95.toFixed(1),
          'seed s': seedSeconds.toFixed(0),
        });
      }
      if (size === SIZES[SIZES.length - 1])
        explained = `${await explainAll(client, '24h')}\n\n${await explainAll(client, '7d')}`;
    }
    await prisma.$disconnect();
    await client.end();
    console.log(`overview queries (buildOverview: 7 statements in parallel), ${RUNS} runs each after 3 warm-up runs`);
    console.log(table(rows));
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) at ${stored} stored events:\n\n${explained}`);
    console.log(`wrote ${saveResult('overview-queries', { perDay: PER_DAY, runs: RUNS, rows, explain: explained })}`);
  } finally {
    await infra.stop();
  }
}

runMain(main);
