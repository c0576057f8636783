/** What the admin API's routes share: their parameters, the filter of events, and how actions are asked. */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ActionContext } from '../../../admin/context';
import type { ActionOutcome } from '../../../admin/event-actions';
import { AppError } from '../../../errors/app-error';
import type { AppDeps } from '../../deps';
import { isoInstant, pathParam, safeText } from '../../input';
import { RETRY_AFTER_SECONDS } from '../../middleware/errors';
import { adminNameOf } from '../auth';
import { eventStatus } from '../schemas/events';

/** A token the examples use; the contract test puts a real one of the state an example names in its place. */
export const EXAMPLE_TOKEN = '5f0c9a52-3b1e-4d7a-8e26-9c4f1b7d2a60';

export const tokenParams = z.object({
  token: pathParam().meta({ description: 'The event token (the last segment of its eventUrl).' }),
});

/** The events a list or a bulk action covers: every field compared as written (no pattern). */
export const filterFields = {
  status: eventStatus.optional(),
  type: safeText(64).optional().meta({ description: 'e.g. SUBSCRIPTION_ORDER' }),
  accountIdentifier: safeText(200).optional(),
  companyUuid: safeText(200).optional(),
  errorCode: safeText(64).optional().meta({ description: 'e.g. TRANSPORT_ERROR' }),
  from: isoInstant.optional().meta({ description: 'Received at or after (ISO 8601 with an offset).' }),
  to: isoInstant.optional().meta({ description: 'Received before (ISO 8601 with an offset).' }),
};

/** Retry or re-ask of one event: `force` runs it again even though AppDirect already received its answer. */
export const forceBody = z.strictObject({
  force: z
    .boolean()
    .default(false)
    .meta({ description: 'Run it again although AppDirect already received its answer (it gets a second result).' }),
});

/** The admin who asks, for the action's audit row, and the request's logger. */
export const actionContext = (deps: AppDeps, req: Request, res: Response): ActionContext => ({
  prisma: deps.prisma,
  queues: deps.producer,
  by: { actor: adminNameOf(res), requestId: req.requestId },
  logger: req.log,
});

/**
 * Admin actions change the database and then enqueue. With Redis away they would commit and then fail
 * (the jobs missing until the sweeper runs), so they are refused first: 503 with Retry-After, nothing changed.
 */
export async function requireQueues(deps: AppDeps): Promise<void> {
  try {
    await deps.redis.ping();
  } catch (error) {
    throw new AppError(
      'DEPENDENCY_UNAVAILABLE',
      { dependency: 'Redis' },
      { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, cause: error },
    );
  }
}

/** How a result's delivery reads in a refusal ("The result of event 'x' is delivered"). */
const DELIVERY_TEXT: Record<string, string> = {
  delivered: 'delivered',
  pending: 'still being delivered',
  not_required: 'in the notification answer (nothing to deliver)',
};

/**
 * The answer to an action that did nothing: 404 for no such event, else the 409 that says why. `notApplicable`
 * is the action's own refusal (it names the state the event was found in, under its lock).
 */
export function refusalOf(
  token: string,
  outcome: Exclude<ActionOutcome<string>, { done: string }>,
  notApplicable: 'EVENT_NOT_RETRYABLE' | 'EVENT_NOT_REASKABLE' | 'EVENT_NOT_RERUNNABLE' | 'RESULT_NOT_RESENDABLE',
): AppError {
  if (outcome.refused === 'not_found') return new AppError('EVENT_NOT_FOUND', { token });
  if (outcome.refused === 'needs_force') return new AppError('EVENT_RETRY_NEEDS_FORCE', { token });
  if (notApplicable === 'RESULT_NOT_RESENDABLE') {
    const delivery = outcome.deliveryStatus
      ? (DELIVERY_TEXT[outcome.deliveryStatus] ?? outcome.deliveryStatus)
      : `not written yet (the event is ${outcome.status})`;
    return new AppError(notApplicable, { token, delivery });
  }
  return new AppError(notApplicable, { token, status: outcome.status });
}
