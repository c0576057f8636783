/**
 * Prometheus metrics (prom-client). Each process has its own registry; the API
 * adds the cluster-wide gauges (queue depth, oldest waiting event, failing
 * deliveries), read from Redis and PostgreSQL when scraped.
 */
import type { RedisConnection } from '../queue/connection';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from '../db/client';
import { UNFINISHED_STATUSES } from '../inbox/statuses';
import { registerBacklogGauges } from './backlog-gauges';

export interface ProcessMetrics {
  readonly registry: Registry;
  readonly eventsTotal: Counter<'type' | 'code'>;
  readonly eventSeconds: Histogram<'type'>;
  readonly lastConsumed: Gauge;
  readonly deliveriesTotal: Counter<'outcome'>;
  readonly reportsTotal: Counter<'outcome'>;
  readonly groupCommitEvents: Histogram;
  readonly groupedEvents: Counter<'type'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpSeconds: Histogram<'method' | 'route'>;
  readonly restrictionAnswers: Counter<'operation' | 'outcome' | 'product'>;
}

export function createProcessMetrics(component: string): ProcessMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventsTotal: new Counter({
      name: 'appdirect_events_total',
      help: 'Events finished, by event type and outcome code (SUCCESS or the AppDirect error code).',
      labelNames: ['type', 'code'],
      registers: [registry],
    }),
    eventSeconds: new Histogram({
      name: 'appdirect_event_processing_seconds',
      help: 'Time to run an event job (fetch, validate, apply, record), by type.',
      labelNames: ['type'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lastConsumed: new Gauge({
      name: 'appdirect_last_event_consumed_timestamp_seconds',
      help: 'Unix time this process last finished an event job; a stalled consumer stops moving it.',
      registers: [registry],
    }),
    deliveriesTotal: new Counter({
      name: 'appdirect_result_deliveries_total',
      help: 'Result POST attempts, by outcome (delivered; retrying; rejected: a 4xx; failed: its last attempt failed).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    reportsTotal: new Counter({
      name: 'appdirect_reports_total',
      help: "Attempts at delivering the product's reports (usage, user sync) to the marketplace, by outcome (delivered; retrying; rejected: a 4xx; failed: its last attempt failed).",
      labelNames: ['outcome'],
      registers: [registry],
    }),
    groupCommitEvents: new Histogram({
      name: 'appdirect_group_commit_events',
      help: "Events decided per group commit (one transaction for an account's waiting events).",
      buckets: [1, 2, 5, 10, 20, 50],
      registers: [registry],
    }),
    groupedEvents: new Counter({
      name: 'appdirect_grouped_events_total',
      help: 'Events decided in a run of more than one (one transaction with other waiting events of their account), by type.',
      labelNames: ['type'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'appdirect_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'appdirect_http_request_seconds',
      help: 'HTTP answer latency, by route.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    restrictionAnswers: new Counter({
      name: 'appdirect_restriction_answers_total',
      help: "Answers to AppDirect's restrictions question, by operation, outcome (allowed, restricted) and the product's part (not_asked, answered, unanswered).",
      labelNames: ['operation', 'outcome', 'product'],
      registers: [registry],
    }),
  };
}

export interface QueueCounts {
  (queue: string): Promise<Record<string, number>>;
}

/** Gauges describing the whole installation, computed at scrape time. */
export function registerClusterGauges(
  registry: Registry,
  deps: { prisma: PrismaClient; queueCounts: QueueCounts; queues: readonly string[]; redis?: RedisConnection },
): void {
  registerBacklogGauges(registry, deps);
  new Gauge({
    name: 'appdirect_queue_jobs',
    help: 'Jobs in each queue by state.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of deps.queues) {
        const counts = await deps.queueCounts(queue).catch(() => ({}) as Record<string, number>);
        for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
      }
    },
  });
  new Gauge({
    name: 'appdirect_oldest_waiting_event_age_seconds',
    help: 'Age of the oldest event not finished (received, queued or processing); 0 when none.',
    registers: [registry],
    async collect() {
      // One (status, seq) index probe per status: cheap with millions of finished events.
      const oldest = await Promise.all(
        UNFINISHED_STATUSES.map((status) =>
          deps.prisma.event
            .findFirst({ where: { status }, orderBy: { seq: 'asc' }, select: { receivedAt: true } })
            .catch(() => null),
        ),
      );
      const times = oldest.filter((row) => row !== null).map((row) => row.receivedAt.getTime());
      this.set(times.length ? (Date.now() - Math.min(...times)) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'appdirect_result_deliveries_failing',
    help: 'Results owed to AppDirect that failed for good, or are pending after at least one failed attempt.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const [failed, retrying] = await Promise.all([
        deps.prisma.resultDelivery.count({ where: { status: 'failed', supersededAt: null } }).catch(() => 0),
        deps.prisma.resultDelivery
          .count({ where: { status: 'pending', supersededAt: null, attempts: { gt: 0 } } })
          .catch(() => 0),
      ]);
      this.set({ status: 'failed' }, failed);
      this.set({ status: 'retrying' }, retrying);
    },
  });
  new Gauge({
    name: 'appdirect_reports_undelivered',
    help: "The product's reports (usage, user sync) not delivered to the marketplace: failed for good, or pending after at least one failed attempt; by kind.",
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await deps.prisma.$queryRaw<Array<{ kind: string; status: string; count: bigint }>>`
        SELECT kind, CASE WHEN status = 'failed' THEN 'failed' ELSE 'retrying' END AS status, count(*) AS count
        FROM marketplace_reports WHERE status = 'failed' OR (status = 'pending' AND attempts > 0)
        GROUP BY 1, 2`.catch(() => []);
      for (const kind of ['usage', 'user_sync'])
        for (const status of ['failed', 'retrying']) this.set({ kind, status }, 0);
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.count));
    },
  });
}
