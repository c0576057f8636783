/** What the admin API answers about events: lists, one event with its history, its product calls, actions. */
import { z } from 'zod';
import { RETRY_ACTIONS } from '../../../admin/event-actions';
import { AttemptOutcome, DeliveryStatus, EventStatus } from '../../../generated/prisma/enums';
import { accountStatus, count, eventResult, fromStore, instant, json } from '../../route-table/schemas';

export const eventStatus = z.enum(EventStatus).meta({ id: 'EventStatus' });

export const eventListItem = z
  .object({
    token: z.string(),
    type: z.string().nullable(),
    status: fromStore(eventStatus),
    errorCode: z.string().nullable(),
    accountIdentifier: z.string().nullable(),
    companyName: z.string().nullable(),
    attempts: count,
    receivedAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'EventListItem' });

export const eventPage = z.object({
  items: z.array(eventListItem),
  nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last.' }),
});

const delivery = z
  .object({
    status: z.enum(DeliveryStatus),
    resultUrl: z.string(),
    body: fromStore(eventResult),
    attempts: count,
    lastError: z.string().nullable(),
    deliveredAt: instant.nullable(),
    supersededAt: instant.nullable().meta({ description: 'Set when a forced rerun replaced it (kept as history).' }),
    timeline: z.array(
      z.object({
        attempt: count,
        httpStatus: z.number().int().nullable(),
        error: z.string().nullable(),
        startedAt: instant,
        durationMs: count,
      }),
    ),
  })
  .meta({ id: 'ResultDelivery' });

export const eventDetail = z
  .object({
    token: z.string(),
    eventUrl: z.string(),
    marketplaceBaseUrl: z.string(),
    consumerKey: z.string().nullable(),
    status: eventStatus,
    type: z.string().nullable(),
    flag: z.string().nullable(),
    development: z.boolean(),
    accountIdentifier: z.string().nullable(),
    companyUuid: z.string().nullable(),
    companyName: z.string().nullable(),
    payload: json.meta({ description: 'The event document as fetched (null until fetched).' }),
    attempts: count,
    lastError: z.string().nullable(),
    result: fromStore(eventResult.nullable()),
    errorCode: z.string().nullable(),
    pendingSince: instant.nullable(),
    accountStatusAtArrival: accountStatus.nullable(),
    productDecision: json.meta({ description: "The product's decision while the event waits for it." }),
    receivedAt: instant,
    queuedAt: instant.nullable(),
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    updatedAt: instant,
    timeline: z.array(
      z.object({
        attempt: count,
        workerId: z.string(),
        outcome: z.enum(AttemptOutcome),
        errorCode: z.string().nullable(),
        error: z.string().nullable(),
        startedAt: instant,
        durationMs: count,
      }),
    ),
    resultDelivery: delivery.nullable(),
    earlierDeliveries: z.array(delivery).meta({ description: 'Results replaced by a forced rerun, newest first.' }),
  })
  .meta({ id: 'EventDetail' });

const productCallAttempt = {
  requestId: z.string().meta({ description: 'The webhook-id / idempotency key, the same on every attempt.' }),
  transport: z.string(),
  outcome: z.string(),
  httpStatus: z.number().int().nullable(),
  durationMs: count,
  answer: json,
  error: z.string().nullable(),
  at: instant,
};

export const productCalls = z
  .object({
    calls: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        mode: fromStore(z.enum(['notify', 'decide'])),
        accountIdentifier: z.string().nullable(),
        done: z.boolean(),
        attempts: count,
        lastError: z.string().nullable(),
        answer: json,
        call: json.meta({ description: 'The call as sent (docs/hooks.md).' }),
        doneAt: instant.nullable(),
        timeline: z.array(z.object(productCallAttempt)),
      }),
    ),
    decisions: z
      .array(z.object({ kind: z.string(), ...productCallAttempt }))
      .meta({ description: 'Decide attempts (refused, pending and failed ones are only here).' }),
  })
  .meta({ id: 'ProductCalls' });

export const bulkRetryAnswer = z
  .object({
    dryRun: z.boolean(),
    action: z.enum(RETRY_ACTIONS).nullable().meta({ description: 'As asked; null: each its usual remedy.' }),
    matched: count,
    rerun: count.meta({ description: 'Of them, run again (dry run: would be).' }),
    resendResult: count.meta({ description: 'Of them, results re-sent (dry run: would be).' }),
    queued: count,
    needsForce: count.meta({ description: 'Skipped: AppDirect already received their answer and force was not set.' }),
    perSecond: count,
  })
  .meta({ id: 'BulkRetry' });
