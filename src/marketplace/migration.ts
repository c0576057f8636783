/**
 * AppDirect's migration of customers a vendor already serves (the SDK's appmarket/migration/): two validations
 * of vendor fields (`Map<String, String>` in the SDK) and the subscription to bring in (`Subscription`), each
 * answered with an `APIResult` (always HTTP 200, success or not, as the SDK's `APIResult.failure` documents).
 */
import { z } from 'zod';
import { EVENT_ERROR_CODES, type EventErrorCode } from '../errors/catalogue';

const text = (max: number) => z.string().max(max);

/** Vendor fields to validate: names and values the vendor's own migration form defines. */
export const vendorFieldsSchema = z
  .record(text(255), text(4096).nullable())
  .refine((fields) => Object.keys(fields).length <= 200, 'at most 200 fields');

/** A whole number of units (the SDK's BigDecimal), from a number or a numeric string. */
const units = z.union([
  z
    .number()
    .min(0)
    .max(2 ** 31 - 1),
  z
    .string()
    .regex(/^\d{1,10}(\.\d+)?$/, 'a number')
    .transform(Number)
    .pipe(z.number()),
]);

/**
 * The subscription to bring in (the SDK's `Subscription`). `companyUuid`, `companyName` and `subscriptionUuid`
 * (AppDirect's company and subscription) are not in the SDK's class, which ignores unknown fields: taken when
 * AppDirect sends them, so the account is linked to its company; without `companyUuid` the vendor's
 * `tenantIdentifier` stands for the company.
 */
export const migratedSubscriptionSchema = z.object({
  partner: text(255).nullish(),
  tenantIdentifier: text(255).min(1),
  subscriptionIdentifier: text(100).regex(
    /^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/,
    'letters, digits and . _ ~ - (at most 100): it becomes the accountIdentifier',
  ),
  applicationIdentifier: text(255).nullish(),
  edition: text(255).nullish(),
  orderUnits: z
    .array(z.object({ unitType: text(64), unit: units }))
    .max(50)
    .nullish(),
  companyUuid: text(255).nullish(),
  companyName: text(255).nullish(),
  subscriptionUuid: text(255).nullish(),
});

export type MigratedSubscription = z.output<typeof migratedSubscriptionSchema>;

/** The answer (the SDK's `APIResult`, NON_EMPTY: absent fields left out). */
export const apiResultSchema = z.strictObject({
  success: z.boolean(),
  errorCode: z.enum(Object.keys(EVENT_ERROR_CODES) as [EventErrorCode, ...EventErrorCode[]]).optional(),
  message: z.string().optional(),
  accountIdentifier: z.string().optional(),
});

export type ApiResult = z.output<typeof apiResultSchema>;

/** The seat limit a migrated subscription states (its USER units), or null: unlimited. */
export function seatsOf(subscription: MigratedSubscription): number | null {
  const line = (subscription.orderUnits ?? []).find((unit) => unit.unitType.toUpperCase() === 'USER');
  return line ? Math.floor(line.unit) : null;
}
