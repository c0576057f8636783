/**
 * Closes the record -> enqueue gap: inbox rows left `received` (Redis was down
 * when the notification came), `queued`/`processing` rows whose job vanished,
 * results owed without a delivery job, hook calls not done and reports of the
 * product not delivered without a job all get their job (again). Job ids derive from keys, so running this in every
 * worker process at once is harmless.
 */
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import type { Logger } from '../logging/logger';
import { UNFINISHED_SQL } from './statuses';
import { markQueued } from './transitions';

/** Each returns true when it had to add a job (none was live). */
export interface SweepQueues {
  ensureEventJob(token: string): Promise<boolean>;
  ensureResultJob(token: string): Promise<boolean>;
  ensureHookJob(id: bigint): Promise<boolean>;
  ensureReportJob(id: bigint): Promise<boolean>;
}

export interface SweepCounts {
  events: number;
  results: number;
  hooks: number;
  reports: number;
}

/** One pass. Rows younger than `graceMs` are left to the normal path. */
export async function sweep(db: SqlSource, queues: SweepQueues, graceMs = 10_000, batch = 500): Promise<SweepCounts> {
  const before = new Date(Date.now() - graceMs);
  const counts: SweepCounts = { events: 0, results: 0, hooks: 0, reports: 0 };

  const sql = pooledSql(db);

  const stranded = await sql<{ seq: bigint; token: string }>(Prisma.sql`
    SELECT seq, token FROM events
    WHERE status IN (${UNFINISHED_SQL}) AND "updatedAt" < ${before}
    ORDER BY seq LIMIT ${batch}`);
  for (const event of stranded) {
    if (!(await queues.ensureEventJob(event.token))) continue;
    await markQueued(sql, event.seq);
    counts.events += 1;
  }

  // A delivery touches updatedAt when it starts; a minute covers a POST in flight (10 s timeout).
  const owed = await sql<{ token: string }>(Prisma.sql`
    SELECT e.token FROM result_deliveries d JOIN events e ON e.seq = d."eventSeq"
    WHERE d.status = 'pending' AND d."supersededAt" IS NULL
      AND d."updatedAt" < ${new Date(Math.min(before.getTime(), Date.now() - 60_000))}
    ORDER BY d.id LIMIT ${batch}`);
  for (const { token } of owed) {
    if (await queues.ensureResultJob(token)) counts.results += 1;
  }

  const hooks = await sql<{ id: bigint }>(Prisma.sql`
    SELECT id FROM hook_calls WHERE done = false AND "createdAt" < ${before} ORDER BY id LIMIT ${batch}`);
  for (const hook of hooks) {
    if (await queues.ensureHookJob(hook.id)) counts.hooks += 1;
  }

  // Reports of the product: committed before the product was answered, their job added after; one whose job
  // was lost (Redis away, the API stopped in between) is found here. A report held by an attempt is left alone.
  const reports = await sql<{ id: bigint }>(Prisma.sql`
    SELECT id FROM marketplace_reports
    WHERE status = 'pending' AND "updatedAt" < ${before} AND ("leaseUntil" IS NULL OR "leaseUntil" < now())
    ORDER BY id LIMIT ${batch}`);
  for (const report of reports) {
    if (await queues.ensureReportJob(report.id)) counts.reports += 1;
  }
  return counts;
}

/** Sweeps every `intervalMs` until stopped; failures (Redis or PostgreSQL away) are logged and retried next time. */
export function startSweeper(
  db: SqlSource,
  queues: SweepQueues,
  logger: Logger,
  options: { intervalMs?: number; graceMs?: number } = {},
): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return; // the previous pass is still going
    running = sweep(db, queues, options.graceMs)
      .then((counts) => {
        if (counts.events + counts.results + counts.hooks + counts.reports > 0)
          logger.info(counts, 'sweeper re-enqueued stranded work');
      })
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'sweep failed; will retry'))
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? 5000);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
