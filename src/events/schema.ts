/**
 * The AppDirect event document (protocol reference §5). Unknown fields are
 * tolerated; `quantity` arrives as a number or a string; `configuration` may be
 * `[]` when empty.
 */
import { z } from 'zod';

const optionalText = z.string().nullish().transform((value) => value ?? undefined);

export const personSchema = z.looseObject({
  uuid: z.string().min(1),
  openId: optionalText,
  email: z.string().min(1),
  firstName: optionalText,
  lastName: optionalText,
  language: optionalText,
  locale: optionalText,
  attributes: z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? {}),
});

export const companySchema = z.looseObject({
  uuid: z.string().min(1),
  externalId: optionalText,
  name: z.string().min(1),
  email: optionalText,
  phoneNumber: optionalText,
  website: optionalText,
  country: optionalText,
});

const quantitySchema = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]).transform((value) => Number(value));

export const orderSchema = z.looseObject({
  editionCode: optionalText,
  addonOfferingCode: optionalText,
  pricingDuration: optionalText,
  items: z
    .array(z.looseObject({ unit: z.string().min(1), quantity: quantitySchema }))
    .nullish()
    .transform((value) => value ?? []),
});

export const accountRefSchema = z.looseObject({
  accountIdentifier: optionalText,
  status: optionalText,
  parentAccountIdentifier: optionalText,
});

const configurationSchema = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown()).max(0)])
  .nullish()
  .transform((value) => (value && !Array.isArray(value) ? value : {}));

export const eventDocumentSchema = z.looseObject({
  type: z.string().min(1),
  marketplace: z.looseObject({ partner: optionalText, baseUrl: z.url() }),
  applicationUuid: optionalText,
  flag: z.enum(['STATELESS', 'DEVELOPMENT']).nullish().transform((value) => value ?? undefined),
  creator: personSchema.nullish().transform((value) => value ?? undefined),
  // A missing payload reads as an empty one, so every field below is simply absent.
  payload: z.preprocess(
    (value) => value ?? {},
    z.looseObject({
      company: companySchema.nullish().transform((value) => value ?? undefined),
      account: accountRefSchema.nullish().transform((value) => value ?? undefined),
      order: orderSchema.nullish().transform((value) => value ?? undefined),
      user: personSchema.nullish().transform((value) => value ?? undefined),
      notice: z.looseObject({ type: z.string().min(1), message: optionalText }).nullish().transform((value) => value ?? undefined),
      configuration: configurationSchema,
      addonInstance: z.looseObject({ id: z.string().min(1) }).nullish().transform((value) => value ?? undefined),
      addonBinding: z.looseObject({ id: z.string().min(1) }).nullish().transform((value) => value ?? undefined),
    }),
  ),
});

export type EventDocument = z.output<typeof eventDocumentSchema>;
export type Person = z.output<typeof personSchema>;
export type OrderInfo = z.output<typeof orderSchema>;

/** The document, or the list of problems (for INVALID_RESPONSE). */
export function parseEventDocument(raw: unknown): { document: EventDocument } | { problems: string[] } {
  const parsed = eventDocumentSchema.safeParse(raw);
  if (parsed.success) return { document: parsed.data };
  return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`) };
}

/** Seat limit from an order: quantity of the USER item; undefined when there is none (unlimited). */
export function seatLimitOf(order: OrderInfo | undefined): number | undefined {
  const item = order?.items.find((entry) => entry.unit.toUpperCase() === 'USER');
  return item ? Math.floor(item.quantity) : undefined;
}
