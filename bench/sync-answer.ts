/**
 * `npm run bench:sync`: how long after its budget a synchronous answer leaves (SYNC_ANSWER_BUDGET_MS, default
 * 4300 ms of AppDirect's 5 s). The API and a worker run as deployed, on their defaults; each round sends
 * CONCURRENCY SUBSCRIPTION_NOTICEs at once of three kinds, timed from the client:
 *  - fetch 3 s: the event document takes 3 s to fetch, then is applied (answered 200 with the result);
 *  - fetch 3 s, account locked: the apply cannot take the account's lock in what is left (200 PENDING);
 *  - fetch 6 s: the document never comes in time (202, the type unknown).
 * It prints, per kind, the answer's median, p95 and worst time, and the worst time past the budget: the
 * margin the budget must leave under AppDirect's 5 s besides the network (docs/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { FakeMarketplace } from '../tools/fake-marketplace/server';
import { notify } from '../tools/fake-marketplace/notify';
import { runMain, startApi, startInfra, startProcess, table } from './support';

const BASIC = { username: 'bench', password: 'bench-password' };
const CLIENT = { id: 'bench-client', secret: 'bench-secret' };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BUDGET_MS = 4300;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function main(): Promise<void> {
  const infra = await startInfra();
  const marketplace = await new FakeMarketplace({ client: CLIENT }).start();
  const databaseUrl = await infra.newDatabase('bench_sync');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    APPDIRECT_BASIC_USERNAME: BASIC.username,
    APPDIRECT_BASIC_PASSWORD: BASIC.password,
    APPDIRECT_CLIENT_ID: CLIENT.id,
    APPDIRECT_CLIENT_SECRET: CLIENT.secret,
    APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
  };
  const api = await startApi(env);
  const worker = startProcess('workers/event-worker.ts', env);
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  const auth = { type: 'basic' as const, ...BASIC };
  const samples: Record<string, number[]> = { 'fetch 3 s': [], 'fetch 3 s, account locked': [], 'fetch 6 s': [] };
  const statuses: Record<string, Set<string>> = {};
  try {
    // Accounts to send notices about: ordered through the service, applied by the worker.
    const accounts: string[] = [];
    for (let i = 0; i < CONCURRENCY * 3; i += 1) {
      const { token, eventUrl } = marketplace.addEvent({
        type: 'SUBSCRIPTION_ORDER',
        creator: { uuid: randomUUID(), email: 'buyer@bench.example' },
        payload: { company: { uuid: randomUUID(), name: 'Bench Inc' }, order: { editionCode: 'PRO', items: [] } },
      });
      await notify(api.url, eventUrl, auth);
      for (let wait = 0; marketplace.resultsFor(token).length === 0; wait += 1) {
        if (wait > 600) throw new Error('the order was not applied');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      accounts.push(String(marketplace.resultsFor(token)[0]!.body.accountIdentifier));
    }
    const notice = (accountId: string, type: string) => ({
      type: 'SUBSCRIPTION_NOTICE',
      payload: { account: { accountIdentifier: accountId, status: 'SUSPENDED' }, notice: { type } },
    });
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [kind, delayMs, lock] of [
        ['fetch 3 s', 3000, false],
        ['fetch 3 s, account locked', 3000, true],
        ['fetch 6 s', 6000, false],
      ] as const) {
        const group = accounts.slice(0, CONCURRENCY);
        accounts.push(...accounts.splice(0, CONCURRENCY)); // the next kind takes other accounts
        if (lock) {
          await locker.query('BEGIN');
          for (const accountId of group)
            await locker.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`account:${accountId}`]);
        }
        marketplace.fetchFaults.push({ delayMs, times: group.length });
        const answers = await Promise.all(
          group.map(async (accountId, index) => {
            const { eventUrl } = marketplace.addEvent(notice(accountId, index % 2 ? 'REACTIVATED' : 'DEACTIVATED'));
            const started = performance.now();
            const answer = await notify(api.url, eventUrl, auth);
            return { elapsed: performance.now() - started, answer };
          }),
        );
        if (lock) await locker.query('COMMIT');
        for (const { elapsed, answer } of answers) {
          samples[kind]!.push(elapsed);
          (statuses[kind] ??= new Set()).add(
            `${answer.status} ${String(answer.body.errorCode ?? answer.body.success)}`,
          );
        }
        // Let the PENDING notices be applied by the worker before the next round.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    }
  } finally {
    await locker.end();
    await worker.stop();
    await api.stop();
    await marketplace.stop();
    await infra.stop();
  }
  console.log(
    table(
      Object.entries(samples).map(([kind, values]) => ({
        notice: kind,
        answered: [...(statuses[kind] ?? [])].join(', '),
        n: values.length,
        'p50 ms': Math.round(quantile(values, 0.5)),
        'p95 ms': Math.round(quantile(values, 0.95)),
        'worst ms': Math.round(Math.max(...values)),
        'worst past budget ms': Math.round(Math.max(...values) - BUDGET_MS),
      })),
    ),
  );
}

runMain(main);
