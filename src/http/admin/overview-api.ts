/**
 * GET /admin/api/overview?window=24h|7d: the overview the admin page shows, as JSON (src/admin/overview.ts).
 * Declared in the admin API's route table.
 */
import { z } from 'zod';
import { buildOverview } from '../../admin/overview';
import { QUEUES } from '../../queue/names';
import type { AppDeps } from '../deps';
import { defineRoute } from '../route-table/spec';
import { overview, overviewWindow } from './schemas/overview';
import { FAILURE_CODES, REFUSAL_CODES } from '../../errors/catalogue';

/** The overview's sources as the API process has them. */
export const overviewSources = (deps: AppDeps) => ({
  prisma: deps.prisma,
  queueNames: Object.values(QUEUES),
  queueCounts: (name: string) => deps.producer.countsOf(name),
});

export const overviewRoute = defineRoute({
  method: 'get',
  path: '/overview',
  summary: 'The state of the installation: in flight now, what needs action, workers, and the window by interval',
  description:
    'Counts of unfinished events are over all events; everything else covers the window (ending now, intervals ' +
    `aligned on their size: 24h in 30-minute intervals, 7d in 4-hour ones). Events finish failed with ${FAILURE_CODES.join(', ')} ` +
    `(the service could not do the work) and refused with ${REFUSAL_CODES.join(', ')} (business answers).`,
  auth: 'admin',
  query: z.strictObject({ window: overviewWindow.default('24h') }),
  responses: { 200: { description: 'The overview (Cache-Control: no-store)', schema: overview } },
  errors: ['DEPENDENCY_UNAVAILABLE'],
  examples: [
    { summary: 'The last 7 days', query: { window: '7d' }, status: 200 },
    { summary: 'A window the overview does not have', query: { window: '1h' }, status: 400 },
  ],
  handler:
    (deps) =>
    async ({ query: { window } }) => ({
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      body: await buildOverview(overviewSources(deps), window),
    }),
});
