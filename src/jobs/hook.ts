/**
 * The hooks queue: a job carries a hook_calls id; running it calls the vendor's provisioning hook
 * (src/hooks/run.ts). Failures are retried with the hooks policy; after the last attempt an account the
 * hook was creating is marked failed, so its waiting events report PENDING.
 */
import { z } from 'zod';
import { abandonHookCall, runHookCallsOfAccount } from '../hooks/run';
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
    run: async ({ hookCallId }, context) => {
      const id = BigInt(hookCallId);
      try {
        // An earlier call of the account is still owed: wait for it without spending an attempt.
        if ((await runHookCallsOfAccount(deps, id)) === 'waiting') return { retryInMs: WAIT_FOR_EARLIER_MS };
      } catch (error) {
        if (context.isLastAttempt) await abandonHookCall(deps.prisma, id);
        throw error;
      }
    },
  };
}
