/**
 * The questions the product answers synchronously, outside the events (QUESTION_KINDS): their data and their
 * answers, defined once like the call kinds of ./contract.ts. docs/hooks.md renders their JSON Schemas.
 * A question is always in `decide` mode; it changes nothing in the store by itself, so asking it twice
 * (AppDirect asks again, a retry) is harmless, and its `questionId` is fresh each time.
 */
import { z } from 'zod';
import { RESTRICTED_OPERATIONS } from '../errors/restriction-codes';
import { customerIdentifier, dnsRecordsSchema, domainName } from '../marketplace/domains';
import { migratedSubscriptionSchema, vendorFieldsSchema } from '../marketplace/migration';
import { restrictionInfoSchema, restrictionSchema } from '../marketplace/restrictions';
import { completionSchema, CONTRACT_VERSION, REFUSAL_CODES } from './contract';
import { QUESTION_KINDS, type QuestionKind } from './kinds';

const identifier = z.string().min(1).max(255);

/** The product's own restriction: the operation asked about is assumed when it names none. */
const productRestriction = restrictionSchema.extend({ operation: z.enum(RESTRICTED_OPERATIONS).optional() });

/** A domain question's subject: AppDirect's customer identifier and the domain. */
const domain = {
  customerIdentifier: customerIdentifier.describe("AppDirect's customer identifier, as in the URL"),
  accountIdentifier: identifier.nullable().describe('The account of ours it names (null: none)'),
  domain: domainName,
};

/** Whether the product did it (a refusal's message is shown to the caller). */
const done = z.union([
  z.strictObject({ done: z.literal(true) }),
  z.strictObject({ done: z.literal(false), message: z.string().min(1).max(1000) }),
]);

/** A validation's verdict: valid, or not with a code and a message AppDirect's migration report shows. */
const validation = z.union([
  z.strictObject({ success: z.literal(true), message: z.string().max(1000).optional() }),
  z.strictObject({ success: z.literal(false), errorCode: z.enum(REFUSAL_CODES), message: z.string().min(1).max(1000) }),
]);

/** What each question asks (its `data`). */
export const QUESTION_DATA = {
  restrictions: z.strictObject({
    question: restrictionInfoSchema.describe("AppDirect's RestrictionInfo, as it sent it (unknown fields dropped)"),
    account: z
      .strictObject({
        accountIdentifier: identifier,
        status: z.string(),
        editionCode: z.string(),
        maxUsers: z.number().int().nullable().describe('Seat limit; null: unlimited'),
        seatsUsed: z.number().int(),
      })
      .nullable()
      .describe('The account externalVendorId names, as the store holds it now (null: none, or an initial order)'),
    found: z
      .array(restrictionSchema)
      .describe("What the service's own rules restrict (docs/errors.md, Restrictions); the product's are added"),
  }),
  validateCustomerAccount: z.strictObject({
    fields: vendorFieldsSchema.describe("The vendor's customer-account fields AppDirect's migration sends, as sent"),
  }),
  validateSubscription: z.strictObject({
    fields: vendorFieldsSchema.describe("The vendor's subscription fields AppDirect's migration sends, as sent"),
  }),
  migrateSubscription: z.strictObject({
    subscription: migratedSubscriptionSchema.describe("AppDirect's Subscription to bring in"),
    proposedAccountIdentifier: identifier.describe(
      'The accountIdentifier the account gets unless the product names its own (the subscriptionIdentifier)',
    ),
  }),
  domainDnsRecords: z.strictObject({
    ...domain,
    purpose: z
      .enum(['ownershipProof', 'configuration'])
      .describe(
        'ownershipProof: records proving the customer owns the domain; configuration: records that point it at the product',
      ),
  }),
  domainAdded: z.strictObject(domain),
  domainRemoved: z.strictObject(domain),
  domainOwnership: z.strictObject({
    ...domain,
    applicationUuid: z.string().nullable().describe('The application AppDirect named (v2 only)'),
  }),
} as const satisfies Record<QuestionKind, z.ZodType>;

/** What the product answers to each question. */
export const QUESTION_ANSWERS = {
  restrictions: z.strictObject({
    restrictions: z
      .array(productRestriction)
      .max(50)
      .describe('Restrictions of its own (an empty list: none); AppDirect shows each message to its user'),
  }),
  validateCustomerAccount: validation,
  validateSubscription: validation,
  migrateSubscription: completionSchema.describe(
    'accept (optionally with the accountIdentifier the product serves it under) or refuse with a code',
  ),
  domainDnsRecords: dnsRecordsSchema.describe('The records to publish (each list may be empty)'),
  domainAdded: done,
  domainRemoved: done,
  domainOwnership: z.strictObject({ verified: z.boolean().describe('Whether the proof records are published') }),
} as const satisfies Record<QuestionKind, z.ZodType>;

const envelope = <K extends QuestionKind>(kind: K) =>
  z.strictObject({
    type: z.literal(kind),
    version: z.literal(CONTRACT_VERSION),
    mode: z.literal('decide'),
    questionId: z.string().describe("Fresh for every question AppDirect asks (a webhook's webhook-id)"),
    partner: z.string().nullable().describe('The marketplace partner AppDirect named (null: it named none)'),
    accountIdentifier: identifier.nullable().describe('The account the question concerns (null: none yet)'),
    receivedAt: z.iso.datetime().describe('When the question reached this service'),
    data: QUESTION_DATA[kind],
  });

export const QUESTION_SCHEMAS = Object.fromEntries(QUESTION_KINDS.map((kind) => [kind, envelope(kind)])) as {
  [K in QuestionKind]: ReturnType<typeof envelope<K>>;
};

/** One question, as the in-process API receives it and as a webhook's JSON body carries it. */
export type ProductQuestion<K extends QuestionKind = QuestionKind> = {
  [P in K]: z.output<(typeof QUESTION_SCHEMAS)[P]>;
}[K];

export type QuestionAnswer<K extends QuestionKind> = z.output<(typeof QUESTION_ANSWERS)[K]>;

/** Checks a product's answer to a question; the problems (at most five) when it is not one. */
export function readAnswer<K extends QuestionKind>(
  kind: K,
  answer: unknown,
): { answer: QuestionAnswer<K> } | { problems: string[] } {
  const parsed = QUESTION_ANSWERS[kind].safeParse(answer);
  if (parsed.success) return { answer: parsed.data as QuestionAnswer<K> };
  return {
    problems: parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
  };
}
