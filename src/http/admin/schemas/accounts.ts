/** What the admin API answers about accounts, and about what the installation still owes. */
import { z } from 'zod';
import { DELIVERY_STATES, HOOK_STATES } from '../../../admin/owed';
import { AddonStatus, DeliveryStatus, ProvisioningStatus } from '../../../generated/prisma/enums';
import { accountStatus, count, fromStore, instant, seatRole } from '../../route-table/schemas';
import { restrictionResponseSchema } from '../../../marketplace/restrictions';
import { eventStatus } from './events';

export const adminAccount = z
  .object({
    accountIdentifier: z.string(),
    status: accountStatus,
    provisioningStatus: z
      .enum(ProvisioningStatus)
      .meta({ description: 'pending: the product has not taken its accountCreated call yet (later events wait).' }),
    editionCode: z.string(),
    pricingDuration: z.string().nullable(),
    maxUsers: z.number().int().nullable().meta({ description: 'Seat limit; null: unlimited.' }),
    seatsUsed: count,
    company: z.object({
      uuid: z.string(),
      name: z.string(),
      email: z.string().nullable(),
      country: z.string().nullable(),
    }),
    applicationUuid: z.string().nullable(),
    marketplaceBaseUrl: z.string(),
    development: z.boolean(),
    createdAt: instant,
    cancelledAt: instant.nullable(),
    users: z.array(
      z.object({
        uuid: z.string(),
        email: z.string(),
        name: z.string().nullable(),
        role: seatRole,
        assignedAt: instant,
      }),
    ),
    addons: z.array(
      z.object({
        id: z.string(),
        offeringCode: z.string(),
        status: z.enum(AddonStatus),
        bindings: z.array(z.string()),
      }),
    ),
    events: z
      .array(
        z.object({
          token: z.string(),
          type: z.string().nullable(),
          status: eventStatus,
          errorCode: z.string().nullable(),
          receivedAt: instant,
        }),
      )
      .meta({ description: 'The latest 20, newest first.' }),
    restrictionAnswers: z
      .array(
        z.object({
          at: instant,
          operation: z.string(),
          partner: z.string(),
          restrictions: restrictionResponseSchema.shape.restrictions,
          product: z.enum(['not_asked', 'answered', 'unanswered']).meta({
            description:
              "The product's part: not asked (PRODUCT_DECIDE does not name restrictions), answered, or no usable answer in time.",
          }),
          productError: z.string().nullable(),
          durationMs: count,
        }),
      )
      .meta({
        description:
          "The latest 20 answers to AppDirect's restrictions question about this account (and its company's initial orders), newest first.",
      }),
    migration: z
      .object({
        partner: z.string().nullable(),
        subscriptionIdentifier: z.string(),
        tenantIdentifier: z.string().meta({ description: "The vendor's own identifier of the customer." }),
        subscriptionUuid: z.string().nullable().meta({ description: "AppDirect's subscription, when it named it." }),
        migratedAt: instant,
      })
      .nullable()
      .meta({ description: "How AppDirect's migration brought the account in (null: it was ordered)." }),
  })
  .meta({ id: 'Account' });

export const accountMatches = z.object({
  items: z.array(
    z.object({
      accountIdentifier: z.string(),
      companyName: z.string(),
      companyUuid: z.string(),
      status: accountStatus,
      editionCode: z.string(),
      seatsUsed: count,
      maxUsers: z.number().int().nullable(),
    }),
  ),
});

export const deliveryState = z
  .enum(DELIVERY_STATES)
  .meta({ description: 'failed: for good; retrying: pending after a failed POST; pending: any not delivered yet.' });

export const undeliveredResults = z
  .object({
    items: z.array(
      z.object({
        id: z.string().meta({ description: "The delivery's id." }),
        token: z.string().meta({ description: "The event's token." }),
        status: fromStore(z.enum(DeliveryStatus)),
        attempts: count,
        lastError: z.string().nullable(),
        createdAt: instant.meta({ description: 'Owed since.' }),
        updatedAt: instant.meta({ description: 'Last attempt (or last change).' }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'UndeliveredResults' });

export const productCallState = z
  .enum(HOOK_STATES)
  .meta({ description: 'failing: at least one attempt failed; not_done: every call not taken yet.' });

export const owedProductCalls = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        accountIdentifier: z.string().nullable(),
        eventToken: z.string(),
        attempts: count,
        lastError: z.string().nullable(),
        createdAt: instant.meta({ description: 'Owed since.' }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'OwedProductCalls' });
