/**
 * The state of the installation at a glance, for the admin page, API and CLI: what is in flight now,
 * what needs an operator, which workers are alive, and how the last 24 hours (or 7 days) went.
 *
 * Every query reads either what is owed now (unfinished events, undelivered results, hook calls not
 * done: index scans bounded by the backlog) or what happened inside the window (range scans on
 * events."finishedAt" and result_deliveries."deliveredAt"), so the cost does not grow with the number of
 * events stored before the window (docs/benchmarks.md, "Overview queries").
 */
import { Prisma, type PrismaClient } from '../db/client';
import { HEARTBEAT_STALE_MS } from '../fleet/heartbeat';
import { UNFINISHED_SQL, UNFINISHED_STATUSES } from '../inbox/statuses';

export const OVERVIEW_WINDOWS = {
  '24h': { ms: 24 * 3600_000, bucketMs: 30 * 60_000 },
  '7d': { ms: 7 * 24 * 3600_000, bucketMs: 4 * 3600_000 },
} as const;
export type OverviewWindow = keyof typeof OVERVIEW_WINDOWS;
export const OVERVIEW_WINDOW_NAMES = Object.keys(OVERVIEW_WINDOWS) as OverviewWindow[];

export interface OverviewBucket {
  /** Start of the interval (ISO); it ends where the next one starts. */
  start: string;
  end: string;
  /**
   * Events finished in the interval by status: succeeded; refused (business answers AppDirect shows its
   * user) and failed (the service could not do the work) by code; cancelled.
   */
  succeeded: number;
  refused: Record<string, number>;
  failed: Record<string, number>;
  cancelled: number;
  /** Receipt to result (receivedAt -> finishedAt) of those events, seconds; null when none finished. */
  p50Seconds: number | null;
  p95Seconds: number | null;
  /** Results owed to AppDirect and not delivered at the end of the interval. */
  deliveryBacklog: number;
}

export interface WorkerSeen {
  workerId: string;
  host: string;
  pid: number;
  version: string;
  state: 'alive' | 'missing' | 'stopped';
  startedAt: string;
  lastSeenAt: string;
  lastSeenSecondsAgo: number;
  /** What it consumes: per queue, its concurrency, jobs in hand at the last beat, jobs ended since start. */
  queues: Record<string, { concurrency: number; running: number; done: number }>;
}

export interface Overview {
  window: OverviewWindow;
  generatedAt: string;
  from: string;
  to: string;
  bucketSeconds: number;
  /** Unfinished events now (all of them), and events finished inside the window by final status. */
  statusCounts: {
    now: Record<(typeof UNFINISHED_STATUSES)[number], number>;
    finishedInWindow: { succeeded: number; refused: number; failed: number; cancelled: number };
  };
  oldestWaiting: { token: string; status: string; receivedAt: string; ageSeconds: number } | null;
  needsAction: {
    /** Events that finished `failed` in the window (the catalogue's failure codes), by code. */
    failedEvents: { total: number; byCode: Record<string, number> };
    /** Results AppDirect has not received: failed for good, or pending (retrying: after a failed POST). */
    undeliveredResults: { failed: number; retrying: number; pending: number; oldestPendingAgeSeconds: number | null };
    /** Calls to the product's provisioning hooks not done; failing: at least one attempt failed. */
    hookCalls: { failing: number; notDone: number; oldestNotDoneAgeSeconds: number | null };
    /** The product's reports (usage, user sync) the marketplace has not received, as for results. */
    undeliveredReports: { failed: number; retrying: number; pending: number; oldestPendingAgeSeconds: number | null };
  };
  /** BullMQ job counts per queue; null when Redis did not answer. */
  queues: Record<string, Record<string, number>> | null;
  workers: WorkerSeen[];
  totals: {
    succeeded: number;
    refused: Record<string, number>;
    failed: Record<string, number>;
    cancelled: number;
    p50Seconds: number | null;
    p95Seconds: number | null;
  };
  series: OverviewBucket[];
}

export interface OverviewSources {
  readonly prisma: PrismaClient;
  /** Job counts of a queue (Redis). */
  queueCounts?(queue: string): Promise<Record<string, number>>;
  readonly queueNames?: readonly string[];
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 100) / 10);
const num = (value: unknown): number => Number(value ?? 0);
const quantile = (value: unknown): number | null =>
  value === null || value === undefined ? null : Math.round(Number(value) * 1000) / 1000;

/** The window ends now; buckets are aligned on their size (so consecutive calls show the same intervals). */
export function windowBounds(
  window: OverviewWindow,
  nowMs: number,
): { fromMs: number; toMs: number; bucketMs: number; buckets: number } {
  const { ms, bucketMs } = OVERVIEW_WINDOWS[window];
  const toMs = Math.ceil(nowMs / bucketMs) * bucketMs;
  return { fromMs: toMs - ms, toMs, bucketMs, buckets: ms / bucketMs };
}

// Instants are passed as epoch milliseconds and compared as timestamptz, as the columns are.
const at = (ms: number) => Prisma.sql`to_timestamp(${ms}::float8 / 1000)`;

interface OutcomeRow {
  bucket: number | null;
  status: string | null;
  code: string | null;
  by_outcome: number;
  n: bigint;
  p50: number | null;
  p95: number | null;
}

/** Events finished in the window: one range scan on events."finishedAt", grouped three ways at once. */
function finishedInWindowSql(fromMs: number, toMs: number, bucketMs: number): Prisma.Sql {
  return Prisma.sql`
    SELECT bucket, status, code, GROUPING(status, code) AS by_outcome, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY secs) AS p95
    FROM (
      SELECT floor(extract(epoch FROM e."finishedAt" - ${at(fromMs)}) * 1000 / ${bucketMs}::float8)::int AS bucket,
             e.status::text AS status, e."errorCode" AS code,
             extract(epoch FROM e."finishedAt" - e."receivedAt")::float8 AS secs
      FROM events e
      WHERE e."finishedAt" >= ${at(fromMs)} AND e."finishedAt" < ${at(toMs)}
    ) finished
    GROUP BY GROUPING SETS ((bucket, status, code), (bucket), ())`;
}

/**
 * Result delivery backlog at the end of each bucket, from what is owed now (status index) and what was
 * delivered inside the window (deliveredAt index): +1 when a result became owed, -1 when delivered.
 */
function deliveryBacklogSql(fromMs: number, toMs: number, bucketMs: number): Prisma.Sql {
  return Prisma.sql`
    WITH owed AS (
      SELECT "createdAt" AS owed_at, "deliveredAt" AS delivered_at FROM result_deliveries
      WHERE status IN ('pending', 'failed')
      UNION ALL
      SELECT "createdAt", "deliveredAt" FROM result_deliveries
      WHERE "deliveredAt" >= ${at(fromMs)} AND status = 'delivered'
    ), deltas AS (
      SELECT greatest(-1, floor(extract(epoch FROM owed_at - ${at(fromMs)}) * 1000 / ${bucketMs}::float8))::int AS bucket, 1 AS delta
      FROM owed WHERE owed_at < ${at(toMs)}
      UNION ALL
      SELECT floor(extract(epoch FROM delivered_at - ${at(fromMs)}) * 1000 / ${bucketMs}::float8)::int, -1
      FROM owed WHERE delivered_at IS NOT NULL AND delivered_at < ${at(toMs)}
    )
    SELECT bucket, sum(delta)::bigint AS delta FROM deltas GROUP BY bucket`;
}

/** Running sum of the backlog's deltas: what was owed before the window (bucket -1), then each interval. */
function backlogSeries(rows: Array<{ bucket: number; delta: bigint }>, buckets: number): number[] {
  const deltas = new Map(rows.map((row) => [row.bucket, Number(row.delta)]));
  let backlog = deltas.get(-1) ?? 0;
  return Array.from({ length: buckets }, (_, index) => (backlog += deltas.get(index) ?? 0));
}

const unfinishedNowSql = () => Prisma.sql`
  SELECT status::text AS status, count(*) AS n FROM events WHERE status IN (${UNFINISHED_SQL}) GROUP BY status`;

function unfinishedCounts(rows: Array<{ status: string; n: bigint }>): Overview['statusCounts']['now'] {
  const counts = Object.fromEntries(
    UNFINISHED_STATUSES.map((status) => [status, 0]),
  ) as Overview['statusCounts']['now'];
  for (const row of rows) counts[row.status as keyof typeof counts] = Number(row.n);
  return counts;
}

/** One (status, seq) index probe per unfinished status: the first in arrival order of each. */
const oldestWaitingSql = () => {
  const firsts = UNFINISHED_STATUSES.map(
    (status) =>
      Prisma.sql`(SELECT token, status::text AS status, "receivedAt" FROM events WHERE status = ${Prisma.raw(`'${status}'`)} ORDER BY seq LIMIT 1)`,
  );
  return Prisma.sql`SELECT token, status, "receivedAt" FROM (${Prisma.join(firsts, ' UNION ALL ')}) AS firsts ORDER BY "receivedAt" LIMIT 1`;
};

const undeliveredResultsSql = () => Prisma.sql`
    SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
           min("createdAt") FILTER (WHERE status = 'pending') AS oldest
    FROM result_deliveries WHERE status IN ('pending', 'failed')`;

function undeliveredResults(
  row: { failed: bigint; pending: bigint; retrying: bigint; oldest: Date | null } | undefined,
  nowMs: number,
): Overview['needsAction']['undeliveredResults'] {
  return {
    failed: num(row?.failed),
    retrying: num(row?.retrying),
    pending: num(row?.pending),
    oldestPendingAgeSeconds: row?.oldest ? seconds(nowMs - row.oldest.getTime()) : null,
  };
}

const undeliveredReportsSql = () => Prisma.sql`
    SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
           min("createdAt") FILTER (WHERE status = 'pending') AS oldest
    FROM marketplace_reports WHERE status IN ('pending', 'failed')`;

const hookCallsSql = () => Prisma.sql`
  SELECT count(*) FILTER (WHERE attempts > 0) AS failing, count(*) AS not_done, min("createdAt") AS oldest
  FROM hook_calls WHERE done = false`;

function hookCalls(
  row: { failing: bigint; not_done: bigint; oldest: Date | null } | undefined,
  nowMs: number,
): Overview['needsAction']['hookCalls'] {
  return {
    failing: num(row?.failing),
    notDone: num(row?.not_done),
    oldestNotDoneAgeSeconds: row?.oldest ? seconds(nowMs - row.oldest.getTime()) : null,
  };
}

interface HeartbeatRow {
  workerId: string;
  host: string;
  pid: number;
  version: string;
  queues: unknown;
  startedAt: Date;
  lastSeenAt: Date;
  stoppedAt: Date | null;
}

const workersSeenSql = (nowMs: number) => Prisma.sql`
  SELECT "workerId", host, pid, version, queues, "startedAt", "lastSeenAt", "stoppedAt" FROM worker_heartbeats
  WHERE "lastSeenAt" >= ${at(nowMs - 24 * 3600_000)} ORDER BY "stoppedAt" DESC NULLS FIRST, "workerId"`;

/** Workers seen in the last 24 hours: alive (beat within 30 s), missing (no beat since), stopped (cleanly). */
function workersSeen(rows: HeartbeatRow[], nowMs: number): WorkerSeen[] {
  return rows.map((row) => {
    const ago = nowMs - row.lastSeenAt.getTime();
    return {
      workerId: row.workerId,
      host: row.host,
      pid: row.pid,
      version: row.version,
      state: row.stoppedAt ? 'stopped' : ago > HEARTBEAT_STALE_MS ? 'missing' : 'alive',
      startedAt: row.startedAt.toISOString(),
      lastSeenAt: row.lastSeenAt.toISOString(),
      lastSeenSecondsAgo: seconds(ago),
      queues: row.queues as WorkerSeen['queues'],
    };
  });
}

async function queueCounts(sources: OverviewSources): Promise<Overview['queues']> {
  if (!sources.queueCounts || !sources.queueNames) return null;
  try {
    const entries = await Promise.all(
      sources.queueNames.map(async (name) => [name, await sources.queueCounts!(name)] as const),
    );
    return Object.fromEntries(entries);
  } catch {
    return null;
  }
}

function addTo(record: Record<string, number>, key: string, n: number): void {
  record[key] = (record[key] ?? 0) + n;
}

/** Every statement the overview runs, by name (bench/overview-queries.ts EXPLAINs them). */
export function overviewStatements(window: OverviewWindow, nowMs: number) {
  const { fromMs, toMs, bucketMs } = windowBounds(window, nowMs);
  return {
    finishedInWindow: finishedInWindowSql(fromMs, toMs, bucketMs),
    deliveryBacklog: deliveryBacklogSql(fromMs, toMs, bucketMs),
    unfinishedNow: unfinishedNowSql(),
    oldestWaiting: oldestWaitingSql(),
    undeliveredResults: undeliveredResultsSql(),
    hookCalls: hookCallsSql(),
    undeliveredReports: undeliveredReportsSql(),
    workersSeen: workersSeenSql(nowMs),
  };
}

/** Builds the overview of `window` ending now. */
export async function buildOverview(
  sources: OverviewSources,
  window: OverviewWindow,
  nowMs = Date.now(),
): Promise<Overview> {
  const { prisma } = sources;
  const { fromMs, toMs, bucketMs, buckets } = windowBounds(window, nowMs);
  const sql = overviewStatements(window, nowMs);
  const [outcomes, backlogRows, nowRows, oldestRows, undeliveredRows, hookRows, workerRows, queues, reportRows] =
    await Promise.all([
      prisma.$queryRaw<OutcomeRow[]>(sql.finishedInWindow),
      prisma.$queryRaw<Array<{ bucket: number; delta: bigint }>>(sql.deliveryBacklog),
      prisma.$queryRaw<Array<{ status: string; n: bigint }>>(sql.unfinishedNow),
      prisma.$queryRaw<Array<{ token: string; status: string; receivedAt: Date }>>(sql.oldestWaiting),
      prisma.$queryRaw<Array<{ failed: bigint; pending: bigint; retrying: bigint; oldest: Date | null }>>(
        sql.undeliveredResults,
      ),
      prisma.$queryRaw<Array<{ failing: bigint; not_done: bigint; oldest: Date | null }>>(sql.hookCalls),
      prisma.$queryRaw<HeartbeatRow[]>(sql.workersSeen),
      queueCounts(sources),
      prisma.$queryRaw<Array<{ failed: bigint; pending: bigint; retrying: bigint; oldest: Date | null }>>(
        sql.undeliveredReports,
      ),
    ]);
  const backlog = backlogSeries(backlogRows, buckets);
  const oldestRow = oldestRows[0];
  const oldest = oldestRow
    ? {
        token: oldestRow.token,
        status: oldestRow.status,
        receivedAt: oldestRow.receivedAt.toISOString(),
        ageSeconds: seconds(nowMs - oldestRow.receivedAt.getTime()),
      }
    : null;

  const series: OverviewBucket[] = Array.from({ length: buckets }, (_, index) => ({
    start: new Date(fromMs + index * bucketMs).toISOString(),
    end: new Date(fromMs + (index + 1) * bucketMs).toISOString(),
    succeeded: 0,
    refused: {},
    failed: {},
    cancelled: 0,
    p50Seconds: null,
    p95Seconds: null,
    deliveryBacklog: backlog[index] ?? 0,
  }));
  const totals: Overview['totals'] = {
    succeeded: 0,
    refused: {},
    failed: {},
    cancelled: 0,
    p50Seconds: null,
    p95Seconds: null,
  };
  for (const row of outcomes) {
    const n = Number(row.n);
    if (row.bucket === null) {
      totals.p50Seconds = quantile(row.p50);
      totals.p95Seconds = quantile(row.p95);
      continue;
    }
    const bucket = series[row.bucket];
    if (!bucket) continue;
    if (row.by_outcome !== 0) {
      bucket.p50Seconds = quantile(row.p50);
      bucket.p95Seconds = quantile(row.p95);
      continue;
    }
    for (const target of [bucket, totals]) {
      if (row.status === 'succeeded') target.succeeded += n;
      else if (row.status === 'cancelled') target.cancelled += n;
      else if (row.status === 'refused') addTo(target.refused, row.code ?? 'UNKNOWN_ERROR', n);
      else addTo(target.failed, row.code ?? 'UNKNOWN_ERROR', n);
    }
  }
  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  const failedTotal = sum(totals.failed);

  return {
    window,
    generatedAt: new Date(nowMs).toISOString(),
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    bucketSeconds: bucketMs / 1000,
    statusCounts: {
      now: unfinishedCounts(nowRows),
      finishedInWindow: {
        succeeded: totals.succeeded,
        refused: sum(totals.refused),
        failed: failedTotal,
        cancelled: totals.cancelled,
      },
    },
    oldestWaiting: oldest,
    needsAction: {
      failedEvents: { total: failedTotal, byCode: totals.failed },
      undeliveredResults: undeliveredResults(undeliveredRows[0], nowMs),
      hookCalls: hookCalls(hookRows[0], nowMs),
      // Same counts as for results, from marketplace_reports.
      undeliveredReports: undeliveredResults(reportRows[0], nowMs),
    },
    queues,
    workers: workersSeen(workerRows, nowMs),
    totals,
    series,
  };
}
