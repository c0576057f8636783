/**
 * The contract between this service and the vendor's product, defined once: every provisioning call kind's
 * payload (versioned), and what a product may answer when it is asked to decide. From these schemas come
 * the TypeScript types of the in-process API, the JSON Schemas in docs/hooks.md (`npm run docs:hooks`), and
 * the validation of every answer. A change that is not backwards compatible bumps CONTRACT_VERSION.
 */
import { z } from 'zod';
import { EVENT_ERROR_CODES, type EventErrorCode } from '../errors/catalogue';
import { HOOK_KINDS, type HookKind } from './kinds';

export const CONTRACT_VERSION = 1;

const identifier = z.string().min(1).max(255);
const person = z.strictObject({
  uuid: z.string().describe('AppDirect user uuid'),
  email: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
});
const account = { accountIdentifier: identifier };
const addon = { accountIdentifier: identifier, addonInstanceId: identifier };
const binding = { addonInstanceId: identifier, bindingId: identifier };

/** What each call kind tells the product about (the `data` of the call). */
export const CALL_DATA = {
  accountCreated: z.strictObject({
    ...account,
    company: z.strictObject({ uuid: z.string(), name: z.string() }),
    editionCode: z.string(),
    maxUsers: z.number().int().nullable().describe('Seat limit; null: unlimited'),
    owner: person,
    configuration: z.record(z.string(), z.unknown()).optional().describe("The order's configuration fields"),
  }),
  accountChanged: z.strictObject({ ...account, editionCode: z.string(), maxUsers: z.number().int().nullable() }),
  accountSuspended: z.strictObject(account),
  accountReactivated: z.strictObject(account),
  accountCancelled: z.strictObject(account),
  accountClosed: z.strictObject(account),
  userAssigned: z.strictObject({ ...account, user: person }),
  userUnassigned: z.strictObject({ ...account, user: person }),
  userUpdated: z.strictObject({ accountIdentifier: identifier.nullable(), user: person.nullable() }),
  addonOrdered: z.strictObject({ ...addon, offeringCode: z.string() }),
  addonChanged: z.strictObject(addon),
  addonCancelled: z.strictObject(addon),
  addonBound: z.strictObject({ ...binding, userUuid: z.string().nullable() }),
  addonUnbound: z.strictObject(binding),
  upcomingInvoice: z.strictObject({
    ...account,
    message: z.string().nullable().describe("The notice's message, if AppDirect sent one"),
  }),
} as const satisfies Record<HookKind, z.ZodType>;

export type CallData<K extends HookKind> = z.infer<(typeof CALL_DATA)[K]>;

export const CALL_MODES = ['notify', 'decide'] as const;
export type CallMode = (typeof CALL_MODES)[number];

/** The envelope every call shares; `data` is the kind's own part. */
const envelope = <K extends HookKind>(kind: K) =>
  z.strictObject({
    type: z.literal(kind),
    version: z.literal(CONTRACT_VERSION),
    mode: z.enum(CALL_MODES).describe('decide: the answer is the decision; notify: the result is already final'),
    eventToken: z.string().describe('The AppDirect event that caused the call'),
    accountIdentifier: identifier.nullable().describe('The account the call concerns (null: none)'),
    development: z.boolean().describe('The event came from a product in development: no billing or real e-mails'),
    marketplaceBaseUrl: z.string(),
    receivedAt: z.iso.datetime().describe('When the notification reached this service'),
    data: CALL_DATA[kind],
  });

export const CALL_SCHEMAS = Object.fromEntries(HOOK_KINDS.map((kind) => [kind, envelope(kind)])) as {
  [K in HookKind]: ReturnType<typeof envelope<K>>;
};

/** One provisioning call, as the in-process API receives it and as a webhook's JSON body carries it. */
export type ProductCall<K extends HookKind = HookKind> = { [P in K]: z.infer<(typeof CALL_SCHEMAS)[P]> }[K];

/** The codes a product may refuse with: AppDirect's event codes, less the two that are not decisions. */
export const REFUSAL_CODES = (Object.keys(EVENT_ERROR_CODES) as EventErrorCode[]).filter(
  (code) => code !== 'PENDING' && code !== 'TRANSPORT_ERROR',
) as [
  Exclude<EventErrorCode, 'PENDING' | 'TRANSPORT_ERROR'>,
  ...Array<Exclude<EventErrorCode, 'PENDING' | 'TRANSPORT_ERROR'>>,
];

const message = z.string().min(1).max(1000);

const accept = z.strictObject({
  decision: z.literal('accept'),
  accountIdentifier: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/, 'letters, digits and . _ ~ - (at most 100)')
    .optional()
    .describe("accountCreated only: the product's own identifier, reported to AppDirect and used by later events"),
  message: message.optional().describe('Shown to the marketplace user'),
});
const refuse = z.strictObject({
  decision: z.literal('refuse'),
  errorCode: z.enum(REFUSAL_CODES),
  message: message.describe('Shown to the marketplace user'),
});
const pending = z.strictObject({
  decision: z.literal('pending'),
  message: message
    .optional()
    .describe('The product completes it later through POST /product/api/decisions/{eventToken}'),
});

/** A product's answer to a `decide` call. */
export const decisionSchema = z.discriminatedUnion('decision', [accept, refuse, pending]);

/** The body that completes a `pending` decision through the product API: accept or refuse. */
export const completionSchema = z.discriminatedUnion('decision', [accept, refuse]);

export type Decision = z.infer<typeof decisionSchema>;
/** A decision the product has made for good (what completes a pending one). */
export type FinalDecision = Exclude<Decision, { decision: 'pending' }>;

/** Checks a product's answer; the problems (at most five) when it is not a decision. */
export function readDecision(answer: unknown): { decision: Decision } | { problems: string[] } {
  const parsed = decisionSchema.safeParse(answer);
  if (parsed.success) return { decision: parsed.data };
  return {
    problems: parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
  };
}
