/**
 * The hooks queue: a job carries a hook_calls id; running it calls the vendor's provisioning hook
 * (src/hooks/run.ts). Failures are retried with the hooks policy; after a job's last attempt the call is
 * still owed, and the sweeper starts a new job for it: a notify call is retried until the product takes it.
 * Meanwhile an account whose `accountCreated` is owed stays `pending`, so its later events keep waiting (and
 * are answered PENDING after PENDING_WAIT_MS): the product never hears of a user before its tenant.
 */
import { z } from 'zod';
import { runHookCallsOfAccount } from '../hooks/run';
import { QUEUES } from '../queue/names';
import type { RetryPolicies } from '../queue/policy';
import type { HookJob } from '../queue/producer';
import type { JobDefinition } from '../queue/worker-loop';
import type { JobDeps } from './deps';

/** Fallback only: the call it waits for sends it when taken (runHookCallsOfAccount). */
const WAIT_FOR_EARLIER_MS = 500;

export const hookJobData = z.strictObject({ hookCallId: z.string().regex(/^\d{1,19}$/) }) satisfies z.ZodType<HookJob>;

export function hookJob(deps: JobDeps, policies: RetryPolicies): JobDefinition<HookJob> {
  return {
    queue: QUEUES.hooks,
    data: hookJobData,
    concurrency: 4,
    policy: policies[QUEUES.hooks],
    run: async ({ hookCallId }) => {
      // An earlier call of the account is still owed: wait for it without spending an attempt.
      if ((await runHookCallsOfAccount(deps, BigInt(hookCallId))) === 'waiting')
        return { retryInMs: WAIT_FOR_EARLIER_MS };
    },
  };
}
