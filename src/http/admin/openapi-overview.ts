/** The overview's part of the admin OpenAPI document (merged in openapi.ts). */
import { OVERVIEW_WINDOW_NAMES } from '../../admin/overview';
import { FAILURE_CODES, REFUSAL_CODES } from '../../errors/catalogue';
import { UNFINISHED_STATUSES } from '../../inbox/statuses';

const count = { type: 'integer', minimum: 0 } as const;
const countsByCode = {
  type: 'object',
  additionalProperties: count,
  description: 'Event error code -> events',
} as const;
const secondsOrNull = { type: ['number', 'null'], minimum: 0 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const errorRef = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export const overviewPaths = {
  '/overview': {
    get: {
      summary: 'The state of the installation: in flight now, what needs action, workers, and the window by interval',
      description:
        'Counts of unfinished events are over all events; everything else covers the window (ending now, intervals ' +
        `aligned on their size: 24h in 30-minute intervals, 7d in 4-hour ones). Events finish failed with ${FAILURE_CODES.join(', ')} ` +
        `(the service could not do the work) and refused with ${REFUSAL_CODES.join(', ')} (business answers).`,
      parameters: [
        {
          name: 'window',
          in: 'query',
          required: false,
          schema: { type: 'string', enum: [...OVERVIEW_WINDOW_NAMES], default: '24h' },
        },
      ],
      responses: {
        200: {
          description: 'The overview',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Overview' } } },
        },
        400: errorRef('window is not 24h or 7d, or an unknown parameter was sent'),
        401: errorRef('Missing or wrong admin token'),
      },
    },
  },
} as const;

const outcomeFields = {
  succeeded: count,
  refused: {
    ...countsByCode,
    description: 'Events that finished refused (a business answer AppDirect shows its user), by code',
  },
  failed: { ...countsByCode, description: 'Events that finished failed (the service could not do the work), by code' },
  cancelled: count,
  p50Seconds: { ...secondsOrNull, description: 'Median time from receipt to result' },
  p95Seconds: { ...secondsOrNull, description: '95th percentile of the time from receipt to result' },
} as const;

export const overviewSchemas = {
  Overview: {
    type: 'object',
    required: [
      'window',
      'generatedAt',
      'from',
      'to',
      'bucketSeconds',
      'statusCounts',
      'oldestWaiting',
      'needsAction',
      'queues',
      'workers',
      'totals',
      'series',
    ],
    properties: {
      window: { type: 'string', enum: [...OVERVIEW_WINDOW_NAMES] },
      generatedAt: dateTime,
      from: dateTime,
      to: dateTime,
      bucketSeconds: count,
      statusCounts: {
        type: 'object',
        required: ['now', 'finishedInWindow'],
        properties: {
          now: {
            type: 'object',
            required: [...UNFINISHED_STATUSES],
            properties: Object.fromEntries(UNFINISHED_STATUSES.map((s) => [s, count])),
          },
          finishedInWindow: {
            type: 'object',
            required: ['succeeded', 'refused', 'failed', 'cancelled'],
            properties: { succeeded: count, refused: count, failed: count, cancelled: count },
          },
        },
      },
      oldestWaiting: {
        type: ['object', 'null'],
        required: ['token', 'status', 'receivedAt', 'ageSeconds'],
        properties: {
          token: { type: 'string' },
          status: { $ref: '#/components/schemas/EventStatus' },
          receivedAt: dateTime,
          ageSeconds: { type: 'number' },
        },
      },
      needsAction: {
        type: 'object',
        required: ['failedEvents', 'undeliveredResults', 'hookCalls'],
        properties: {
          failedEvents: {
            type: 'object',
            description: 'Events that finished failed in the window (refused ones need no action)',
            required: ['total', 'byCode'],
            properties: { total: count, byCode: countsByCode },
          },
          undeliveredResults: {
            type: 'object',
            required: ['failed', 'retrying', 'pending', 'oldestPendingAgeSeconds'],
            properties: { failed: count, retrying: count, pending: count, oldestPendingAgeSeconds: secondsOrNull },
          },
          hookCalls: {
            type: 'object',
            required: ['failing', 'notDone', 'oldestNotDoneAgeSeconds'],
            properties: { failing: count, notDone: count, oldestNotDoneAgeSeconds: secondsOrNull },
          },
        },
      },
      queues: {
        type: ['object', 'null'],
        description: 'BullMQ job counts by queue and state; null when Redis did not answer',
        additionalProperties: { type: 'object', additionalProperties: count },
      },
      workers: { type: 'array', items: { $ref: '#/components/schemas/WorkerSeen' } },
      totals: { type: 'object', required: Object.keys(outcomeFields), properties: outcomeFields },
      series: { type: 'array', items: { $ref: '#/components/schemas/OverviewInterval' } },
    },
  },
  OverviewInterval: {
    type: 'object',
    required: ['start', 'end', ...Object.keys(outcomeFields), 'deliveryBacklog'],
    properties: {
      start: dateTime,
      end: dateTime,
      ...outcomeFields,
      deliveryBacklog: {
        ...count,
        description: 'Results owed to AppDirect and not delivered at the end of the interval',
      },
    },
  },
  WorkerSeen: {
    type: 'object',
    required: [
      'workerId',
      'host',
      'pid',
      'version',
      'state',
      'startedAt',
      'lastSeenAt',
      'lastSeenSecondsAgo',
      'queues',
    ],
    properties: {
      workerId: { type: 'string' },
      host: { type: 'string' },
      pid: { type: 'integer' },
      version: { type: 'string' },
      state: {
        type: 'string',
        enum: ['alive', 'missing', 'stopped'],
        description: 'missing: no heartbeat for 30 s and not stopped cleanly',
      },
      startedAt: dateTime,
      lastSeenAt: dateTime,
      lastSeenSecondsAgo: { type: 'number' },
      queues: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['concurrency', 'running', 'done'],
          properties: { concurrency: count, running: count, done: count },
        },
      },
    },
  },
} as const;
