/**
 * The kinds of calls the vendor's product is made (src/hooks/): one list, from which the type and every check
 * come — PRODUCT_DECIDE's names among them, hence its place with the configuration. A new kind is added here,
 * with its data in src/hooks/contract.ts and its line in the registry entry of the event type that makes it.
 */
export const HOOK_KINDS = [
  'accountCreated',
  'accountChanged',
  'accountSuspended',
  'accountReactivated',
  'accountCancelled',
  'accountClosed',
  'userAssigned',
  'userUnassigned',
  'userUpdated',
  'addonOrdered',
  'addonChanged',
  'addonCancelled',
  'addonBound',
  'addonUnbound',
  'upcomingInvoice',
] as const;

export type HookKind = (typeof HOOK_KINDS)[number];

/**
 * Kinds the product is only told of, never asked to decide: `upcomingInvoice` (the notice is answered at once,
 * and nothing in it is the product's to accept or refuse; it is the moment to report usage). PRODUCT_DECIDE's
 * `all` leaves them out and refuses them by name.
 */
export const NOTIFY_ONLY_KINDS: readonly HookKind[] = ['upcomingInvoice'];

export const isHookKind = (value: string): value is HookKind => (HOOK_KINDS as readonly string[]).includes(value);

/**
 * Questions AppDirect asks synchronously outside the events (src/hooks/questions.ts holds their data and
 * answers): always in `decide` mode, asked only when PRODUCT_DECIDE names them (`all` names the event kinds
 * only, so a product written before a question existed is not asked it).
 */
export const QUESTION_KINDS = [
  'restrictions',
  'validateCustomerAccount',
  'validateSubscription',
  'migrateSubscription',
  'domainDnsRecords',
  'domainAdded',
  'domainRemoved',
  'domainOwnership',
] as const;

export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const isQuestionKind = (value: string): value is QuestionKind =>
  (QUESTION_KINDS as readonly string[]).includes(value);
