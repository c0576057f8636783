/**
 * The results queue: a job carries an event token; running it POSTs the event's stored result to the
 * marketplace (src/report/deliver.ts). Network errors, 5xx and 429 are retried with the results policy;
 * a marketplace that refuses the result (4xx) ends the job for good, the delivery marked failed.
 */
import { z } from 'zod';
import { QUEUES } from '../queue/names';
import type { RetryPolicies } from '../queue/policy';
import type { TokenJob } from '../queue/producer';
import type { JobDefinition } from '../queue/worker-loop';
import { deliverResult } from '../report/deliver';
import type { JobDeps } from './deps';

export const resultJobData = z.strictObject({ token: z.string().min(1).max(512) }) satisfies z.ZodType<TokenJob>;

export function resultJob(deps: JobDeps, policies: RetryPolicies): JobDefinition<TokenJob> {
  return {
    queue: QUEUES.results,
    data: resultJobData,
    concurrency: Math.max(2, Math.ceil(deps.config.workerConcurrency / 2)),
    policy: policies[QUEUES.results],
    run: async ({ token }, context) => {
      let outcome;
      try {
        outcome = await deliverResult(deps, token, { isLastAttempt: context.isLastAttempt });
      } catch (error) {
        deps.metrics?.deliveriesTotal.inc({ outcome: context.isLastAttempt ? 'failed' : 'retrying' });
        throw error; // a DeliveryRetryError: retried with the results backoff
      }
      if (outcome !== 'nothing_to_do') deps.metrics?.deliveriesTotal.inc({ outcome });
      if (outcome === 'rejected') throw new Error('the marketplace refused the result');
    },
  };
}
