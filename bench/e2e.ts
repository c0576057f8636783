/**
 * End to end: events applied and reported per second with 1, 2 and 4 worker
 * processes, against raw BullMQ no-op jobs on the same Redis in the same run.
 *
 * Each event: a notification (Basic), inline fetch, record, enqueue; a worker
 * applies it (a USER_ASSIGNMENT on one of many accounts) in one transaction with
 * its result, and POSTs the result to the fake marketplace. Measured from the
 * first notification to the last result received.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { saveResult, startApi, startInfra, startMarketplaceProcess, startProcess, table, type ManagedProcess } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 32);
const BASIC = { username: 'bench', password: 'bench-password' };
const CLIENT = { id: 'bench-client', secret: 'bench-secret' };

/** Creates ACCOUNTS provisioned accounts directly (the run measures assignments, not set-up). */
async function seedAccounts(databaseUrl: string, marketplaceOrigin: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `acct-bench-${i}`);
  for (const id of ids) {
    await client.query(
      `INSERT INTO accounts (id, "companyUuid", "companyName", "editionCode", "maxUsers", "marketplaceBaseUrl", "createdByEventToken", "updatedAt")
       VALUES ($1, $1, 'Bench Inc', 'PRO', NULL, $2, 'seed', now())`,
      [id, marketplaceOrigin],
    );
  }
  await client.end();
  return ids;
}

async function rawBullmq(redisUrl: string, workers: number): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `{raw-${workers}}`;
  const queue = new Queue('noop', { connection, prefix });
  const consumers = Array.from({ length: workers }, () => new Worker('noop', async () => undefined, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix, concurrency: 8 }));
  const started = Date.now();
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    for (const worker of consumers) worker.on('completed', () => (++done >= EVENTS ? resolve() : undefined));
  });
  for (let i = 0; i < EVENTS; i += 100) {
    await queue.addBulk(Array.from({ length: Math.min(100, EVENTS - i) }, (_, k) => ({ name: 'noop', data: { token: `t-${i + k}` }, opts: { removeOnComplete: true } })));
  }
  await finished;
  const perSecond = EVENTS / ((Date.now() - started) / 1000);
  await Promise.all(consumers.map((w) => w.close()));
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return Math.round(perSecond);
}

async function service(infra: Awaited<ReturnType<typeof startInfra>>, workers: number): Promise<{ perSecond: number; notifyPerSecond: number }> {
  const databaseUrl = await infra.newDatabase(`bench_e2e_${workers}`);
  const prefix = `{e2e-${workers}}`;
  const accountsPlaceholder = Array.from({ length: ACCOUNTS }, (_, i) => `acct-bench-${i}`);
  const marketplace = await startMarketplaceProcess({ BENCH_EVENT: 'assign', BENCH_ACCOUNTS: accountsPlaceholder.join(','), BENCH_CLIENT_ID: CLIENT.id, BENCH_CLIENT_SECRET: CLIENT.secret });
  await seedAccounts(databaseUrl, marketplace.origin);
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    QUEUE_PREFIX: prefix,
    APPDIRECT_BASIC_USERNAME: BASIC.username,
    APPDIRECT_BASIC_PASSWORD: BASIC.password,
    APPDIRECT_CLIENT_ID: CLIENT.id,
    APPDIRECT_CLIENT_SECRET: CLIENT.secret,
    APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
    WORKER_CONCURRENCY: '8',
  };
  const api = await startApi(env);
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const processes: ManagedProcess[] = Array.from({ length: workers }, () => startProcess('workers/event-worker.ts', env, profile));
  const authorization = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
  const started = Date.now();
  let next = 0;
  const sender = async () => {
    while (next < EVENTS) {
      const n = next++;
      const eventUrl = `${marketplace.origin}/api/integration/v1/events/e2e-${workers}-${n}`;
      const res = await fetch(`${api.url}/appdirect/events?eventUrl=${encodeURIComponent(eventUrl)}`, { headers: { authorization, accept: 'application/json' } });
      if (res.status !== 202) throw new Error(`notification ${n} answered ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const notifySeconds = (Date.now() - started) / 1000;
  const deadline = Date.now() + 600_000;
  while (marketplace.results() < EVENTS) {
    if (Date.now() > deadline) throw new Error(`only ${marketplace.results()} of ${EVENTS} results after 10 min`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(processes.map((p) => p.stop()));
  await api.stop();
  await marketplace.stop();
  return { perSecond: Math.round(EVENTS / seconds), notifyPerSecond: Math.round(EVENTS / notifySeconds) };
}

async function main(): Promise<void> {
  const infra = await startInfra();
  const rows: Array<Record<string, string | number>> = [];
  const results: Record<string, unknown> = {};
  try {
    console.log(`e2e: ${EVENTS} USER_ASSIGNMENT events over ${ACCOUNTS} accounts, ${SENDERS} concurrent senders, worker concurrency 8`);
    for (const workers of WORKER_COUNTS) {
      const raw = await rawBullmq(infra.redisUrl, workers);
      const ours = await service(infra, workers);
      const ratio = ours.perSecond / raw;
      results[`workers_${workers}`] = { rawBullmqPerSecond: raw, eventsPerSecond: ours.perSecond, notificationsPerSecond: ours.notifyPerSecond, ratio };
      rows.push({ 'worker processes': workers, 'raw BullMQ no-op jobs/s': raw, 'events applied+reported/s': ours.perSecond, 'notifications accepted/s': ours.notifyPerSecond, ratio: ratio.toFixed(3) });
      console.log(table(rows.slice(-1)));
    }
    console.log(`\n${table(rows)}\n(target: ratio >= 0.3)`);
    console.log(`wrote ${saveResult('e2e', { events: EVENTS, accounts: ACCOUNTS, senders: SENDERS, results })}`);
  } finally {
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
