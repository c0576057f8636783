/** The overview as the admin API answers it (src/admin/overview.ts builds it). */
import { z } from 'zod';
import { OVERVIEW_WINDOW_NAMES } from '../../../admin/overview';
import { UNFINISHED_STATUSES } from '../../../inbox/statuses';
import { count, fromStore, instant } from '../../route-table/schemas';
import { eventStatus } from './events';

const countsByCode = z.record(z.string(), count).meta({ description: 'Event error code -> events.' });
const seconds = z.number().min(0);

const outcomes = {
  succeeded: count,
  refused: countsByCode.meta({
    description: 'Finished refused (a business answer AppDirect shows its user), by code.',
  }),
  failed: countsByCode.meta({ description: 'Finished failed (the service could not do the work), by code.' }),
  cancelled: count,
  p50Seconds: seconds.nullable().meta({ description: 'Median time from receipt to result.' }),
  p95Seconds: seconds.nullable().meta({ description: '95th percentile of the time from receipt to result.' }),
};

export const overviewWindow = z.enum(OVERVIEW_WINDOW_NAMES);

const workerSeen = z
  .object({
    workerId: z.string(),
    host: z.string(),
    pid: z.number().int(),
    version: z.string(),
    state: z
      .enum(['alive', 'missing', 'stopped'])
      .meta({ description: 'missing: no heartbeat for 30 s, not stopped.' }),
    startedAt: instant,
    lastSeenAt: instant,
    lastSeenSecondsAgo: seconds,
    queues: z.record(z.string(), z.object({ concurrency: count, running: count, done: count })),
  })
  .meta({ id: 'WorkerSeen' });

const interval = z
  .object({
    start: instant,
    end: instant,
    ...outcomes,
    deliveryBacklog: count.meta({ description: 'Results owed and not delivered at the end of the interval.' }),
  })
  .meta({ id: 'OverviewInterval' });

export const overview = z
  .object({
    window: overviewWindow,
    generatedAt: instant,
    from: instant,
    to: instant,
    bucketSeconds: count,
    statusCounts: z.object({
      now: z.object(Object.fromEntries(UNFINISHED_STATUSES.map((status) => [status, count]))),
      finishedInWindow: z.object({ succeeded: count, refused: count, failed: count, cancelled: count }),
    }),
    oldestWaiting: z

      .object({ token: z.string(), status: fromStore(eventStatus), receivedAt: instant, ageSeconds: seconds })
      .nullable(),
    needsAction: z.object({
      failedEvents: z
        .object({ total: count, byCode: countsByCode })
        .meta({ description: 'Events that finished failed in the window (refused ones need no action).' }),
      undeliveredResults: z.object({
        failed: count,
        retrying: count,
        pending: count,
        oldestPendingAgeSeconds: seconds.nullable(),
      }),
      hookCalls: z.object({ failing: count, notDone: count, oldestNotDoneAgeSeconds: seconds.nullable() }),
      undeliveredReports: z
        .object({ failed: count, retrying: count, pending: count, oldestPendingAgeSeconds: seconds.nullable() })
        .meta({ description: "The product's reports (usage, user sync) the marketplace has not received." }),
    }),
    queues: z
      .record(z.string(), z.record(z.string(), count))
      .nullable()
      .meta({ description: 'BullMQ job counts by queue and state; null when Redis did not answer.' }),
    workers: z.array(workerSeen),
    totals: z.object(outcomes),
    series: z.array(interval),
  })
  .meta({ id: 'Overview' });
