/**
 * The AppDirect event document (protocol reference §5). Unknown fields are tolerated; `quantity` arrives
 * as a number or a string; `configuration` may be `[]` when empty.
 *
 * A fetched document is untrusted: before anything of it is stored, `unstorableReason` says whether
 * PostgreSQL could hold it at all (no NUL characters or unpaired surrogates, bounded nesting), and the
 * schema bounds every value that goes to a column (lengths of indexed text, the seat limit's integer
 * range). What fails either is INVALID_RESPONSE at the first attempt: retrying cannot fix data.
 */
import { z } from 'zod';

/** Deeper than any AppDirect document (they nest 4-5 levels); bounds recursion over untrusted JSON. */
export const MAX_DOCUMENT_DEPTH = 32;
/** The largest seat limit a column holds (PostgreSQL integer). */
export const MAX_SEATS = 2 ** 31 - 1;

/** Text bounded to what its column (and the column's index) can hold. */
const text = (max: number) => z.string().min(1).max(max, `must be at most ${max} characters`);
const optionalText = (max = 1000) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((value) => value ?? undefined);

export const personSchema = z.looseObject({
  uuid: text(255),
  openId: optionalText(1000),
  email: text(320),
  firstName: optionalText(),
  lastName: optionalText(),
  language: optionalText(35),
  locale: optionalText(35),
  attributes: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((value) => value ?? {}),
});

export const companySchema = z.looseObject({
  uuid: text(255),
  externalId: optionalText(255),
  name: text(500),
  email: optionalText(320),
  phoneNumber: optionalText(100),
  website: optionalText(),
  country: optionalText(100),
});

/** A quantity: a number or a numeric string, never negative. */
const quantitySchema = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, 'must be a number')])
  .transform((value) => Number(value))
  .pipe(z.number().finite().min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large'));

const orderItemSchema = z.looseObject({ unit: text(100), quantity: quantitySchema }).superRefine((item, ctx) => {
  // The USER line is the seat limit, an integer column.
  if (item.unit.toUpperCase() === 'USER' && (!Number.isInteger(item.quantity) || item.quantity > MAX_SEATS)) {
    ctx.addIssue({ code: 'custom', path: ['quantity'], message: `must be a whole number of seats up to ${MAX_SEATS}` });
  }
});

export const orderSchema = z.looseObject({
  editionCode: optionalText(255),
  addonOfferingCode: optionalText(255),
  pricingDuration: optionalText(100),
  items: z
    .array(orderItemSchema)
    .max(1000)
    .nullish()
    .transform((value) => value ?? []),
});

export const accountRefSchema = z.looseObject({
  accountIdentifier: optionalText(255),
  status: optionalText(100),
  parentAccountIdentifier: optionalText(255),
});

const configurationSchema = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown()).max(0)])
  .nullish()
  .transform((value) => (value && !Array.isArray(value) ? value : {}));

const idSchema = z.looseObject({ id: text(255) });

export const eventDocumentSchema = z.looseObject({
  type: text(100),
  // The base URL is recorded on the account: a web address, nothing else (no javascript:, data:, …).
  marketplace: z.looseObject({
    partner: optionalText(255),
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
  }),
  applicationUuid: optionalText(255),
  flag: z
    .enum(['STATELESS', 'DEVELOPMENT'])
    .nullish()
    .transform((value) => value ?? undefined),
  creator: personSchema.nullish().transform((value) => value ?? undefined),
  // A missing payload reads as an empty one, so every field below is simply absent.
  payload: z.preprocess(
    (value) => value ?? {},
    z.looseObject({
      company: companySchema.nullish().transform((value) => value ?? undefined),
      account: accountRefSchema.nullish().transform((value) => value ?? undefined),
      order: orderSchema.nullish().transform((value) => value ?? undefined),
      user: personSchema.nullish().transform((value) => value ?? undefined),
      notice: z
        .looseObject({ type: text(100), message: optionalText() })
        .nullish()
        .transform((value) => value ?? undefined),
      configuration: configurationSchema,
      addonInstance: idSchema.nullish().transform((value) => value ?? undefined),
      addonBinding: idSchema.nullish().transform((value) => value ?? undefined),
    }),
  ),
});

export type EventDocument = z.output<typeof eventDocumentSchema>;
export type Person = z.output<typeof personSchema>;
export type OrderInfo = z.output<typeof orderSchema>;

/** The document, or the list of problems (for INVALID_RESPONSE). */
export function parseEventDocument(raw: unknown): { document: EventDocument } | { problems: string[] } {
  const unstorable = unstorableReason(raw);
  if (unstorable) return { problems: [unstorable] };
  const parsed = eventDocumentSchema.safeParse(raw);
  if (parsed.success) return { document: parsed.data };
  return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`) };
}

/**
 * A ping test ("Run Ping Tests" in AppDirect): any JSON object flagged STATELESS. It is answered success
 * and changes nothing, however sparse the rest of it (the flag is looked at before the schema).
 */
export function isPingTest(raw: unknown): boolean {
  return (
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as { flag?: unknown }).flag === 'STATELESS'
  );
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL cannot store in text or jsonb
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why PostgreSQL could not store this JSON value (jsonb refuses NUL characters and unpaired UTF-16
 * surrogates; nesting beyond MAX_DOCUMENT_DEPTH is refused before it can exhaust a stack), or null when
 * it can. The path names where the problem is, for the operator.
 */
export function unstorableReason(value: unknown, path = '(document)', depth = 0): string | null {
  if (typeof value === 'string') return badText(value) ? `${path}: ${badText(value)}` : null;
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DOCUMENT_DEPTH) return `${path}: nested deeper than ${MAX_DOCUMENT_DEPTH} levels`;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = badText(key);
    if (keyProblem) return `${path}: a key ${keyProblem}`;
    const problem = unstorableReason(item, path === '(document)' ? key : `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function badText(text: string): string | null {
  if (NUL.test(text)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** Seat limit from an order: quantity of the USER item; undefined when there is none (unlimited). */
export function seatLimitOf(order: OrderInfo | undefined): number | undefined {
  const item = order?.items.find((entry) => entry.unit.toUpperCase() === 'USER');
  return item ? item.quantity : undefined;
}
