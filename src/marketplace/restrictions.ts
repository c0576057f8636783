/**
 * AppDirect's restrictions question and its answer as they travel (the SDK's `RestrictionInfo` and
 * `RestrictionResponse`, appmarket/restrictions/). AppDirect serialises with Jackson, which writes an absent
 * field as `null`: every optional field takes null too. Unknown fields are dropped (Jackson ignores them in
 * the SDK's Spring Boot defaults), so a field AppDirect adds later does not refuse its questions.
 */
import { z } from 'zod';
import { RESTRICTED_OPERATIONS, RESTRICTION_CODES } from '../errors/restriction-codes';

const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => text(max).nullish();
/** A seat count: Java's int, which Jackson also reads from a numeric string. */
const quantity = z.union([
  z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  z
    .string()
    .regex(/^\d{1,10}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().max(2 ** 31 - 1)),
]);

export const restrictionInfoSchema = z
  .object({
    operation: z.enum(RESTRICTED_OPERATIONS),
    applicationUuid: optionalText(255),
    companyUuid: optionalText(255),
    externalVendorId: optionalText(255).describe('Our accountIdentifier; absent on an initial order'),
    editionInfo: z
      .array(
        z.object({
          editionCode: optionalText(255),
          editionUuid: optionalText(255),
          pricingInfo: z
            .array(
              z.object({
                editionUuid: optionalText(255),
                pricingDuration: optionalText(64),
                quantityInfo: z
                  .array(z.object({ pricingUnit: text(64), quantity }))
                  .max(50)
                  .nullish(),
              }),
            )
            .max(50)
            .nullish(),
        }),
      )
      .max(50)
      .nullish(),
    userInfo: z
      .array(
        z.object({
          firstName: optionalText(255),
          lastName: optionalText(255),
          userUuid: optionalText(255),
          roles: z.array(text(255)).max(50).nullish(),
        }),
      )
      .max(1000)
      .nullish(),
    subscriptionInfo: z
      .array(
        z.object({
          applicationUuid: optionalText(255),
          externalVendorId: optionalText(255),
          operationType: optionalText(64),
        }),
      )
      .max(100)
      .nullish(),
    locale: optionalText(64),
    additionalAttributes: z.record(text(255), text(4096).nullable()).nullish(),
  })
  // Without the company an initial order cannot be checked at all. An operation on an account without
  // externalVendorId is answered, not refused: no subscription of ours has no identifier (SUBSCRIPTION_NOT_FOUND_AT_ISV).
  .superRefine((info, ctx) => {
    if (info.operation === 'SUBSCRIPTION_ORDER' && !info.externalVendorId && !info.companyUuid)
      ctx.addIssue({ code: 'custom', path: ['companyUuid'], message: 'required for an initial SUBSCRIPTION_ORDER' });
  });

export type RestrictionInfo = z.output<typeof restrictionInfoSchema>;

/** One restriction (the SDK's `Restriction`; Jackson's NON_EMPTY leaves absent fields out). */
export const restrictionSchema = z.strictObject({
  operation: z.enum(RESTRICTED_OPERATIONS),
  editionUuid: z.string().max(255).optional(),
  offerId: z.string().max(255).optional(),
  editionPricingUuid: z.string().max(255).optional(),
  details: z.strictObject({
    code: z.enum(RESTRICTION_CODES),
    message: z.string().min(1).max(1000),
    localisedErrorMessage: z.string().max(1000).optional(),
  }),
});

export type Restriction = z.output<typeof restrictionSchema>;

/** The answer: every restriction found; an empty list when the operation may be sold. */
export const restrictionResponseSchema = z.strictObject({ restrictions: z.array(restrictionSchema) });

/** The USER seat quantities the question asks for, with the edition and pricing each belongs to. */
export function seatsAskedOf(
  info: RestrictionInfo,
): Array<{ seats: number; editionUuid?: string; pricingUuid?: string }> {
  return (info.editionInfo ?? []).flatMap((edition) =>
    (edition.pricingInfo ?? []).flatMap((pricing) =>
      (pricing.quantityInfo ?? [])
        .filter((line) => line.pricingUnit.toUpperCase() === 'USER')
        .map((line) => ({
          seats: line.quantity,
          editionUuid: edition.editionUuid ?? undefined,
          pricingUuid: pricing.editionUuid ?? undefined,
        })),
    ),
  );
}
