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

/** What every event document carries besides its type and payload. */
const envelope = {
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
};

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

/** Every payload field, each optional: a type's schema makes required what its apply needs. */
const payloadFields = {
  company: optional(companySchema),
  account: optional(accountRefSchema),
  order: optional(orderSchema),
  user: optional(personSchema),
  notice: optional(z.looseObject({ type: text(100), message: optionalText() })),
  configuration: configurationSchema,
  addonInstance: optional(idSchema),
  addonBinding: optional(idSchema),
};

/** The account the event is about: our accountIdentifier, required. */
const namedAccount = accountRefSchema.extend({ accountIdentifier: text(255) });

const payloadSchema = z.looseObject(payloadFields);

/** A document of `type` whose payload has `required` fields on top of the optional ones. */
function documentOf<T extends string, R extends z.ZodRawShape>(type: T, required: R) {
  return z.looseObject({
    type: z.literal(type),
    ...envelope,
    // A missing payload reads as an empty one, so every optional field below is simply absent.
    payload: z.preprocess((value) => value ?? {}, payloadSchema.extend(required)),
  });
}

/**
 * AppDirect's documents (protocol reference §4, §6), one schema per type the service handles, told apart by
 * `type`. A type's schema requires what its apply function needs (an assignment its user, an account event
 * the account it names); legacy shapes the real documents use stay accepted: quantities as strings,
 * `configuration` as `[]`, add-on orders as SUBSCRIPTION_ORDER with `parentAccountIdentifier`, ADDON_*.
 */
export const eventDocumentSchema = z.discriminatedUnion('type', [
  documentOf('SUBSCRIPTION_ORDER', {}),
  documentOf('SUBSCRIPTION_CHANGE', { account: namedAccount }),
  documentOf('SUBSCRIPTION_CANCEL', { account: namedAccount }),
  documentOf('SUBSCRIPTION_NOTICE', {
    account: namedAccount,
    notice: z.looseObject({ type: text(100), message: optionalText() }),
  }),
  documentOf('USER_ASSIGNMENT', { account: namedAccount, user: personSchema }),
  documentOf('USER_UNASSIGNMENT', { account: namedAccount, user: personSchema }),
  documentOf('USER_UPDATED', {}),
  documentOf('ADDON_ORDER', { account: namedAccount }),
  documentOf('ADDON_CHANGE', { account: namedAccount, addonInstance: idSchema }),
  documentOf('ADDON_CANCEL', { account: namedAccount, addonInstance: idSchema }),
  documentOf('ADDON_BIND', { account: namedAccount, addonInstance: idSchema }),
  documentOf('ADDON_UNBIND', { account: namedAccount, addonBinding: idSchema }),
]);

export type EventDocument = z.output<typeof eventDocumentSchema>;
export type EventType = EventDocument['type'];
/** The document of one type, with what that type requires. */
export type DocumentOf<T extends EventType> = Extract<EventDocument, { type: T }>;
export type Person = z.output<typeof personSchema>;
export type OrderInfo = z.output<typeof orderSchema>;

/** Every type the service handles, in the union's order. */
export const EVENT_TYPES = eventDocumentSchema.options.map((option) => option.shape.type.value) as readonly EventType[];

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
/** A plain set lookup: the type is untrusted text, and names like `__proto__` must be unknown types. */
export const isEventType = (type: string): type is EventType => EVENT_TYPE_SET.has(type);

/**
 * The document; or the list of problems (INVALID_RESPONSE); or, for a type the service does not handle, that
 * type (CONFIGURATION_ERROR).
 */
export function parseEventDocument(
  raw: unknown,
): { document: EventDocument } | { problems: string[] } | { unsupported: string } {
  const unstorable = unstorableReason(raw);
  if (unstorable) return { problems: [unstorable] };
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type.length > 0 && type.length <= 100 && !isEventType(type))
    return { unsupported: type };
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
