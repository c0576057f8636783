/**
 * The reports queue: a job carries a marketplace_reports id; running it delivers the report the product made
 * (usage to bill, a user sync) to the account's marketplace (src/billing/deliver.ts). Failures are retried
 * as result POSTs are (the results policy's attempts and backoff; network errors, 5xx and 429 transient,
 * another 4xx final). A report waits, without spending an attempt, for the earlier reports of its account;
 * each settled report wakes the next.
 */
import { z } from 'zod';
import { deliverReport } from '../billing/deliver';
import { QUEUES } from '../queue/names';
import type { RetryPolicies } from '../queue/policy';
import type { ReportJob } from '../queue/producer';
import type { JobDefinition } from '../queue/worker-loop';
import type { JobDeps } from './deps';

export const reportJobData = z.strictObject({
  reportId: z.string().regex(/^\d{1,19}$/),
}) satisfies z.ZodType<ReportJob>;

export function reportJob(deps: JobDeps, policies: RetryPolicies): JobDefinition<ReportJob> {
  return {
    queue: QUEUES.reports,
    data: reportJobData,
    concurrency: 4,
    policy: policies[QUEUES.reports],
    run: async ({ reportId }, context) => {
      let settled;
      try {
        settled = await deliverReport(deps, BigInt(reportId), { isLastAttempt: context.isLastAttempt });
      } catch (error) {
        deps.metrics?.reportsTotal.inc({ outcome: 'retrying' });
        throw error; // a DeliveryRetryError: retried with the reports backoff
      }
      if (settled.outcome === 'nothing_to_do') return;
      if (settled.outcome === 'waiting') return { retryInMs: settled.retryInMs };
      deps.metrics?.reportsTotal.inc({ outcome: settled.outcome });
      if (settled.next !== null)
        await deps.producer
          .promoteReport(settled.next)
          .catch((error: unknown) =>
            deps.logger.warn(
              { err: (error as Error).message, reportId },
              'could not wake the next report; its wait will',
            ),
          );
    },
  };
}
