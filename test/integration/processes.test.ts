/**
 * Worker processes as operators run them (`npm run worker`), several at once,
 * and killed with SIGKILL in the middle of an apply.
 */
import path from 'node:path';
import { jobIdForToken } from '../../src/queue/names';
import { findFreePort } from '../../src/runtime/ports';
import { accountEvent, assignEvent, changeEvent, orderEvent, person } from '../support/events';
import { CLIENT, startScenario, type Scenario } from '../support/scenario';
import { eventually, spawnWorkerProcess } from '../support/workers';

describe('worker processes', () => {
  let s: Scenario;
  const processes: Array<ReturnType<typeof spawnWorkerProcess>> = [];
  const spawnWorker = (metricsPort = 0) => {
    const worker = spawnWorkerProcess(
      {
        DATABASE_URL: s.subject.db.url,
        REDIS_URL: process.env.TEST_REDIS_URL,
        QUEUE_PREFIX: s.subject.prefix,
        APPDIRECT_CLIENT_ID: CLIENT.id,
        APPDIRECT_CLIENT_SECRET: CLIENT.secret,
        APPDIRECT_MARKETPLACE_URLS: s.marketplace.origin,
        WORKER_CONCURRENCY: '8',
        JOB_LOCK_MS: '2000',
        METRICS_PORT: String(metricsPort),
        EVENT_BACKOFF_MS: '50',
      },
      // Says on stderr if the process ever compiles Prisma's query compiler (it must not: the worker runs
      // every statement on the plain-SQL runner, and that compiler costs about 70 MiB of memory).
      ['--require', path.join(__dirname, '..', 'support', 'large-wasm-watch.cjs')],
    );
    processes.push(worker);
    return worker;
  };

  beforeAll(async () => {
    s = await startScenario({}, { workers: false });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await s.close();
  });

  /** appdirect_events_total of USER_ASSIGNMENT summed over the worker processes' /metrics. */
  const assignmentsCounted = async (ports: number[]) => {
    let total = 0;
    for (const port of ports) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      for (const match of text.matchAll(/^appdirect_events_total\{type="USER_ASSIGNMENT",[^}]*\} (\d+)$/gm))
        total += Number(match[1]);
    }
    return total;
  };

  it('gives exactly 49 of 200 simultaneous assignments a seat on a 50-seat account across 2 processes, each counted once', async () => {
    const metricsPorts = [await findFreePort(), await findFreePort()];
    spawnWorker(metricsPorts[0]);
    spawnWorker(metricsPorts[1]);
    const accountId = (await s.send(orderEvent({ seats: 50 }))).accountIdentifier!;
    await eventually(
      async () =>
        (await s.subject.db.prisma.account.findUnique({ where: { id: accountId } }))?.provisioningStatus === 'done',
    );
    const tokens: string[] = [];
    for (let batch = 0; batch < 4; batch += 1) {
      const posted = await Promise.all(Array.from({ length: 50 }, () => s.post(assignEvent(accountId, person()))));
      tokens.push(...posted.map((p) => p.token));
    }
    const results = await Promise.all(tokens.map((token) => s.resultOf(token, 60_000)));
    expect(results.filter((r) => r.success)).toHaveLength(49);
    expect(results.filter((r) => r.errorCode === 'MAX_USERS_REACHED')).toHaveLength(151);
    expect(await s.subject.db.prisma.seat.count({ where: { accountId } })).toBe(50);
    // Both processes ran jobs of the burst. (One of them may apply every event: events of one account
    // are applied one at a time, and the worker that finishes one goes on with the next itself; the
    // other process's jobs then find their events finished.)
    const jobs = await Promise.all(tokens.map((token) => s.subject.deps.producer.events.getJob(jobIdForToken(token))));
    const processedBy = new Set(jobs.map((job) => job?.processedBy).filter((name): name is string => Boolean(name)));
    expect(processedBy.size).toBe(2);
    // A job whose event the other process had drained meanwhile ends without counting it again.
    expect(await assignmentsCounted(metricsPorts)).toBe(200);
    // The burst was decided in group commits (src/inbox/group.ts), not one transaction per event.
    let grouped = 0;
    for (const port of metricsPorts) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      grouped += Number(/^appdirect_group_commit_events_sum(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
    }
    expect(grouped).toBeGreaterThan(0);
    // Subscription changes and a cancel join runs the same way (one runner for every type): a burst of
    // them on the account, sent at once, is decided in runs of more than one as well.
    const changes = await Promise.all(Array.from({ length: 40 }, (_, i) => s.post(changeEvent(accountId, 60 + i))));
    const cancel = await s.post(accountEvent('SUBSCRIPTION_CANCEL', accountId));
    await Promise.all([...changes, cancel].map(({ token }) => s.resultOf(token, 60_000)));
    let changesGrouped = 0;
    for (const port of metricsPorts) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      changesGrouped += Number(
        /^appdirect_grouped_events_total\{type="SUBSCRIPTION_CHANGE"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0,
      );
    }
    expect(changesGrouped).toBeGreaterThan(1);
    // Neither process loaded Prisma's query compiler: applying, reporting, heartbeats, the sweeper,
    // /metrics and the health checks all ran on the plain-SQL runner.
    for (const worker of processes) expect(worker.output()).not.toContain('large WebAssembly module');
  }, 90_000);

  it('applies and reports once an event whose worker was killed with SIGKILL mid-apply', async () => {
    await s.subject.db.prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION slow_seat() RETURNS trigger AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM users WHERE id = NEW."userId" AND email = 'slow@customer.example') THEN PERFORM pg_sleep(3); END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await s.subject.db.prisma.$executeRawUnsafe(
      'CREATE TRIGGER slow_seat BEFORE INSERT ON seats FOR EACH ROW EXECUTE FUNCTION slow_seat()',
    );
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    const victim = spawnWorker();
    const accountId = (await s.send(orderEvent({ seats: 5 }))).accountIdentifier!;
    await eventually(
      async () =>
        (await s.subject.db.prisma.account.findUnique({ where: { id: accountId } }))?.provisioningStatus === 'done',
      20_000,
    );
    const slowUser = person({ email: 'slow@customer.example' });
    const { token } = await s.post(assignEvent(accountId, slowUser));
    // The worker is mid-apply: its seat INSERT sleeps in the trigger (a text match on pg_stat_activity.query would
    // also match this query itself).
    await eventually(async () => {
      const rows = await s.subject.db.prisma.$queryRaw<
        Array<{ n: bigint }>
      >`SELECT count(*) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND wait_event = 'PgSleep'`;
      return rows[0]!.n > 0n;
    });
    victim.child.kill('SIGKILL');
    spawnWorker();
    expect(await s.resultOf(token, 40_000)).toMatchObject({ success: true, userIdentifier: slowUser.uuid });
    const user = await s.subject.db.prisma.user.findUniqueOrThrow({ where: { uuid: slowUser.uuid as string } });
    expect(await s.subject.db.prisma.seat.count({ where: { accountId, userId: user.id } })).toBe(1);
    const event = await s.subject.db.prisma.event.findUniqueOrThrow({
      where: { token },
      include: { attemptHistory: true },
    });
    expect(event.status).toBe('succeeded');
    expect(event.attemptHistory.filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
    // Exactly one result reaches AppDirect, even after the takeover.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(s.marketplace.resultsFor(token)).toHaveLength(1);
  }, 90_000);
});
