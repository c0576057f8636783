/**
 * Installation-wide gauges for dashboards and alerts, computed at scrape time from PostgreSQL (the
 * truth of what is owed) and Redis: work owed per queue and the age of the oldest item, live workers
 * per queue (heartbeats), and whether PostgreSQL and Redis answer. Every query is an index scan bounded
 * by what is owed now, not by what is stored.
 */
import type { RedisConnection } from '../queue/connection';
import { Gauge, type Registry } from 'prom-client';
import type { PrismaClient } from '../db/client';
import { HEARTBEAT_STALE_MS } from '../fleet/heartbeat';
import { UNFINISHED_SQL } from '../inbox/statuses';

export interface BacklogGaugeDeps {
  readonly prisma: PrismaClient;
  /** Producer-profile connection: pinged for appdirect_dependency_up{dependency="redis"}. */
  readonly redis?: RedisConnection;
  readonly queues: readonly string[];
}

interface Owed {
  queue: string;
  items: bigint;
  oldest: Date | null;
}

/** What each queue owes, from PostgreSQL: unfinished events, pending result deliveries, hook calls not done, pending reports. */
async function owedByQueue(prisma: PrismaClient): Promise<Owed[]> {
  return prisma.$queryRaw<Owed[]>`
    SELECT 'events' AS queue, count(*) AS items, min("receivedAt") AS oldest FROM events WHERE status IN (${UNFINISHED_SQL})
    UNION ALL
    SELECT 'results', count(*), min("createdAt") FROM result_deliveries WHERE status = 'pending'
    UNION ALL
    SELECT 'hooks', count(*), min("createdAt") FROM hook_calls WHERE done = false
    UNION ALL
    SELECT 'reports', count(*), min("createdAt") FROM marketplace_reports WHERE status = 'pending'`;
}

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<{ up: boolean; seconds: number }> {
  const started = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return { up: true, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } catch {
    return { up: false, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    clearTimeout(timer);
  }
}

export function registerBacklogGauges(registry: Registry, deps: BacklogGaugeDeps): void {
  // One query serves both gauges of a scrape: the first collect runs it, the second reuses it.
  let owed: Promise<Owed[]> | null = null;
  const owedOnce = () => {
    owed ??= owedByQueue(deps.prisma).finally(() => setImmediate(() => (owed = null)));
    return owed;
  };
  new Gauge({
    name: 'appdirect_backlog_items',
    help: 'Work owed per queue, from PostgreSQL: events not finished, results not delivered (pending), hook calls not done, reports not delivered (pending).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await owedOnce().catch(() => [])) this.set({ queue: row.queue }, Number(row.items));
    },
  });
  new Gauge({
    name: 'appdirect_backlog_oldest_age_seconds',
    help: 'Age of the oldest item owed per queue (event received, result owed, hook call made); 0 when none.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const row of await owedOnce().catch(() => []))
        this.set({ queue: row.queue }, row.oldest ? Math.max(0, (now - row.oldest.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'appdirect_workers',
    help: 'Worker processes consuming each queue with a heartbeat in the last 30 s.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await deps.prisma.$queryRaw<Array<{ queue: string; workers: bigint }>>`
        SELECT q AS queue, count(*) AS workers FROM worker_heartbeats, jsonb_object_keys(queues) AS q
        WHERE "lastSeenAt" >= now() - make_interval(secs => ${HEARTBEAT_STALE_MS / 1000})
          AND "stoppedAt" IS NULL
        GROUP BY q`.catch(() => null);
      if (!rows) return;
      for (const queue of deps.queues) this.set({ queue }, 0);
      for (const row of rows) this.set({ queue: row.queue }, Number(row.workers));
    },
  });
  const checks = async () =>
    Promise.all([
      timed(() => deps.prisma.$queryRaw`SELECT 1`, 2000),
      deps.redis ? timed(() => deps.redis!.ping(), 2000) : Promise.resolve(null),
    ]);
  let checked: ReturnType<typeof checks> | null = null;
  const checkOnce = () => {
    checked ??= checks().finally(() => setImmediate(() => (checked = null)));
    return checked;
  };
  new Gauge({
    name: 'appdirect_dependency_up',
    help: 'Whether PostgreSQL and Redis answered this scrape (1) or not (0), seen from the API.',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const [postgresql, redis] = await checkOnce();
      this.set({ dependency: 'postgresql' }, postgresql.up ? 1 : 0);
      if (redis) this.set({ dependency: 'redis' }, redis.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'appdirect_dependency_check_seconds',
    help: 'How long the PostgreSQL (SELECT 1) and Redis (PING) checks of this scrape took.',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const [postgresql, redis] = await checkOnce();
      this.set({ dependency: 'postgresql' }, postgresql.seconds);
      if (redis) this.set({ dependency: 'redis' }, redis.seconds);
    },
  });
}
