/** The end-to-end run shared by the e2e, contention, growth and memory benchmarks. */
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  cpuMsOf,
  cpuMsOfCommand,
  startApi,
  startMarketplaceProcess,
  startProcess,
  type Infra,
  type ManagedProcess,
} from './support';

const BASIC = { username: 'bench', password: 'bench-password' };
const CLIENT = { id: 'bench-client', secret: 'bench-secret' };

export interface RunOptions {
  readonly name: string;
  readonly workers: number;
  readonly events: number;
  readonly accounts: number;
  /** Seat limit of every seeded account (null: unlimited). */
  readonly maxUsers?: number | null;
  /** Finished events already in the inbox before the run (growth). */
  readonly storedEvents?: number;
  readonly senders?: number;
  readonly keepProcesses?: boolean;
  /** Events sent and finished before measuring, so the processes' code is compiled by the JIT (default 0). */
  readonly warmupEvents?: number;
  /** Notify with `ack=early` (answered once recorded; the worker fetches the event). */
  readonly ackEarly?: boolean;
  /** Extra environment of the worker processes (e.g. METRICS_PORT to read their memory breakdown). */
  readonly workerEnv?: Readonly<Record<string, string>>;
  /** Extra environment of the API process (e.g. its deployed NODE_OPTIONS). */
  readonly apiEnv?: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly eventsPerSecond: number;
  readonly notificationsPerSecond: number;
  /** CPU time per event (µs) spent by the API process and by all worker processes together. */
  readonly cpuMicrosPerEvent: { api: number; workers: number; postgres: number; redis: number; marketplace: number };
  readonly databaseUrl: string;
  readonly processes: { api: ManagedProcess; workers: ManagedProcess[] };
  readonly stop: () => Promise<void>;
}

async function seed(databaseUrl: string, origin: string, options: RunOptions): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `INSERT INTO accounts (id, "companyUuid", "companyName", "editionCode", "maxUsers", "marketplaceBaseUrl", "createdByEventToken", "updatedAt")
     SELECT 'acct-bench-' || i, 'company-' || i, 'Bench Inc', 'PRO', $1::int, $2, 'seed', now() FROM generate_series(0, $3::int - 1) AS i`,
    [options.maxUsers ?? null, origin, options.accounts],
  );
  if (options.storedEvents) {
    await client.query(
      `INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, type, "accountId", "companyName", attempts, result, "receivedAt", "finishedAt", "updatedAt")
       SELECT 'stored-' || i, 'https://m.example/api/integration/v1/events/stored-' || i, 'https://m.example', 'succeeded', 'USER_ASSIGNMENT',
              'acct-bench-' || (i % $2::int), 'Bench Inc', 1, '{"success":true}'::jsonb, now() - interval '1 day', now() - interval '1 day', now()
       FROM generate_series(1, $1::int) AS i`,
      [options.storedEvents, options.accounts],
    );
    // A steady state: vacuumed like a table that has lived a while (otherwise autovacuum's pass over the
    // freshly inserted rows runs during the measurement and is counted against the service).
    await client.query('VACUUM ANALYZE');
  }
  await client.end();
}

/** Notifications from `senders` concurrent senders, then wait for every result at the fake marketplace. */
export async function runService(infra: Infra, options: RunOptions): Promise<RunResult> {
  const databaseUrl = await infra.newDatabase(`bench_${options.name}`);
  const accountIds = Array.from({ length: options.accounts }, (_, i) => `acct-bench-${i}`);
  const marketplace = await startMarketplaceProcess({
    BENCH_EVENT: 'assign',
    BENCH_ACCOUNTS: accountIds.join(','),
    BENCH_CLIENT_ID: CLIENT.id,
    BENCH_CLIENT_SECRET: CLIENT.secret,
  });
  await seed(databaseUrl, marketplace.origin, options);
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    QUEUE_PREFIX: `{${options.name}}`,
    APPDIRECT_BASIC_USERNAME: BASIC.username,
    APPDIRECT_BASIC_PASSWORD: BASIC.password,
    APPDIRECT_CLIENT_ID: CLIENT.id,
    APPDIRECT_CLIENT_SECRET: CLIENT.secret,
    APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
    WORKER_CONCURRENCY: '8',
  };
  const api = await startApi({ ...env, ...options.apiEnv });
  const profile = [
    ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
    // e.g. BENCH_WORKER_NODE_ARGS=--max-old-space-size=96 to show the worker's heap stays bounded.
    ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const workers: ManagedProcess[] = Array.from({ length: options.workers }, () =>
    startProcess('workers/event-worker.ts', { ...env, ...options.workerEnv }, profile),
  );
  const authorization = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
  const send = async (prefix: string, count: number) => {
    let next = 0;
    const sender = async () => {
      while (next < count) {
        const n = next++;
        const eventUrl = `${marketplace.origin}/api/integration/v1/events/${prefix}-${n}`;
        const ack = options.ackEarly ? '&ack=early' : '';
        const res = await fetch(`${api.url}/appdirect/events?eventUrl=${encodeURIComponent(eventUrl)}${ack}`, {
          headers: { authorization, accept: 'application/json' },
        });
        if (res.status !== 202) throw new Error(`notification ${prefix}-${n} answered ${res.status}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: options.senders ?? 32 }, sender));
  };
  const resultsReach = async (count: number) => {
    const deadline = Date.now() + 3_600_000;
    while (marketplace.results() < count) {
      if (Date.now() > deadline) throw new Error(`only ${marketplace.results()} of ${count} results after an hour`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const warmup = options.warmupEvents ?? 0;
  if (warmup > 0) {
    await send(`${options.name}-warmup`, warmup);
    await resultsReach(warmup);
  }
  const cpuBefore = {
    api: cpuMsOf(api.child.pid),
    workers: workers.map((w) => cpuMsOf(w.child.pid)),
    postgres: cpuMsOfCommand('postgres'),
    redis: cpuMsOfCommand('redis-server'),
    marketplace: cpuMsOf(marketplace.pid),
  };
  const started = Date.now();
  await send(options.name, options.events);
  const notifySeconds = (Date.now() - started) / 1000;
  await resultsReach(warmup + options.events);
  const seconds = (Date.now() - started) / 1000;
  const perEvent = (ms: number) => Math.round((ms * 1000) / options.events);
  const cpuMicrosPerEvent = {
    api: perEvent(cpuMsOf(api.child.pid) - cpuBefore.api),
    workers: perEvent(workers.reduce((sum, w, i) => sum + cpuMsOf(w.child.pid) - cpuBefore.workers[i]!, 0)),
    postgres: perEvent(cpuMsOfCommand('postgres') - cpuBefore.postgres),
    redis: perEvent(cpuMsOfCommand('redis-server') - cpuBefore.redis),
    marketplace: perEvent(cpuMsOf(marketplace.pid) - cpuBefore.marketplace),
  };
  const stop = async () => {
    await Promise.all(workers.map((p) => p.stop()));
    await api.stop();
    await marketplace.stop();
  };
  if (!options.keepProcesses) await stop();
  return {
    eventsPerSecond: Math.round(options.events / seconds),
    notificationsPerSecond: Math.round(options.events / notifySeconds),
    cpuMicrosPerEvent,
    databaseUrl,
    processes: { api, workers },
    stop,
  };
}

/** Raw BullMQ no-op jobs on the same Redis: the ceiling the queue alone allows. */
export async function rawBullmq(redisUrl: string, workers: number, events: number): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `{raw-${workers}}`;
  const queue = new Queue('noop', { connection, prefix });
  const consumers = Array.from(
    { length: workers },
    () =>
      new Worker('noop', async () => undefined, {
        connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
        prefix,
        concurrency: 8,
      }),
  );
  const started = Date.now();
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    for (const worker of consumers) worker.on('completed', () => (++done >= events ? resolve() : undefined));
  });
  for (let i = 0; i < events; i += 100) {
    await queue.addBulk(
      Array.from({ length: Math.min(100, events - i) }, (_, k) => ({
        name: 'noop',
        data: { token: `t-${i + k}` },
        opts: { removeOnComplete: true },
      })),
    );
  }
  await finished;
  const perSecond = events / ((Date.now() - started) / 1000);
  await Promise.all(consumers.map((w) => w.close()));
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return Math.round(perSecond);
}

/** Resident memory of a process, from /proc (Linux). */
export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}
