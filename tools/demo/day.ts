/**
 * The day of AppDirect traffic `npm run demo` plays: each step is one event document (or a function of the
 * account identifiers the earlier answers gave), with the label printed beside its outcome.
 */
import { randomUUID } from 'node:crypto';

export interface Step {
  readonly label: string;
  readonly document: Record<string, unknown> | ((ids: Record<string, string>) => Record<string, unknown>);
  /** Stores the accountIdentifier of the answer under this name. */
  readonly remember?: string;
}

// Fresh ids every run, so a second demo on the same DATA_DIR tells the same story.
const uuid = () => randomUUID();
const user = (first: string, company: string) => ({
  uuid: uuid(),
  email: `${first.toLowerCase()}@${company}.example`,
  firstName: first,
  lastName: 'Example',
});
const order = (
  company: string,
  seats: number | null,
  creator: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  type: 'SUBSCRIPTION_ORDER',
  applicationUuid: 'demo-application',
  creator,
  payload: {
    company: { uuid: uuid(), name: company, country: 'US' },
    order: {
      editionCode: 'PRO',
      pricingDuration: 'MONTHLY',
      items: seats === null ? [] : [{ unit: 'USER', quantity: seats }],
    },
  },
  ...extra,
});
const on =
  (type: string, account: string, payload: Record<string, unknown> = {}) =>
  (ids: Record<string, string>) => ({
    type,
    creator: user('Admin', 'acme'),
    payload: { account: { accountIdentifier: ids[account] ?? account, status: 'ACTIVE' }, ...payload },
  });

const acmeOwner = user('Dana', 'acme');
const globexOwner = user('Hank', 'globex');
const pat = user('Pat', 'acme');
const sam = user('Sam', 'acme');
const lee = user('Lee', 'acme');

export const DAY: Step[] = [
  { label: 'ping test (flag STATELESS)', document: order('Ping Co', 1, user('Ping', 'ping'), { flag: 'STATELESS' }) },
  { label: 'Acme buys 3 seats', document: order('Acme Corp', 3, acmeOwner), remember: 'acme' },
  { label: 'Globex buys (no seat limit)', document: order('Globex', null, globexOwner), remember: 'globex' },
  { label: 'Initech buys, owner at acme.example', document: order('Initech', 5, user('Milton', 'acme')) },
  {
    label: 'Umbrella buys ENTERPRISE (async)',
    document: {
      ...order('Umbrella', 20, user('Alice', 'umbrella')),
      payload: {
        company: { uuid: uuid(), name: 'Umbrella', country: 'US' },
        order: { editionCode: 'ENTERPRISE', pricingDuration: 'YEARLY', items: [{ unit: 'USER', quantity: 20 }] },
      },
    },
  },
  {
    label: 'Acme orders again (same company)',
    document: (ids) => ({
      ...order('Acme Corp', 3, acmeOwner),
      payload: { ...order('Acme Corp', 3, acmeOwner).payload, company: { uuid: ids.acmeCompany, name: 'Acme Corp' } },
    }),
  },
  { label: 'assign Pat to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: pat }) },
  { label: 'assign Sam to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: sam }) },
  { label: 'assign Lee to Acme (4th seat of 3)', document: on('USER_ASSIGNMENT', 'acme', { user: lee }) },
  { label: 'assign Pat to Acme again', document: on('USER_ASSIGNMENT', 'acme', { user: pat }) },
  {
    label: 'Acme upgrades to 10 seats',
    document: on('SUBSCRIPTION_CHANGE', 'acme', {
      order: { editionCode: 'ENTERPRISE', pricingDuration: 'YEARLY', items: [{ unit: 'USER', quantity: 10 }] },
    }),
  },
  { label: 'assign Lee to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: lee }) },
  {
    label: 'Acme downgrades to 1 seat',
    document: on('SUBSCRIPTION_CHANGE', 'acme', {
      order: { editionCode: 'PRO', items: [{ unit: 'USER', quantity: 1 }] },
    }),
  },
  { label: 'unassign the owner of Acme', document: on('USER_UNASSIGNMENT', 'acme', { user: acmeOwner }) },
  { label: 'unassign Sam from Acme', document: on('USER_UNASSIGNMENT', 'acme', { user: sam }) },
  { label: 'unassign Sam again', document: on('USER_UNASSIGNMENT', 'acme', { user: sam }) },
  {
    label: 'Pat changes e-mail',
    document: on('USER_UPDATED', 'acme', { user: { ...pat, email: 'pat.new@acme.example' } }),
  },
  {
    label: 'Globex is suspended (unpaid)',
    document: on('SUBSCRIPTION_NOTICE', 'globex', { notice: { type: 'DEACTIVATED' } }),
  },
  {
    label: 'assign a user to suspended Globex',
    document: on('USER_ASSIGNMENT', 'globex', { user: user('Ivy', 'globex') }),
  },
  {
    label: 'Globex is reactivated',
    document: on('SUBSCRIPTION_NOTICE', 'globex', { notice: { type: 'REACTIVATED' } }),
  },
  { label: 'assign Ivy to Globex', document: on('USER_ASSIGNMENT', 'globex', { user: user('Ivy', 'globex') }) },
  // The example product reports Acme's active users as usage; AppDirect (the fake marketplace) bills it.
  {
    label: "Acme's invoice is coming",
    document: on('SUBSCRIPTION_NOTICE', 'acme', { notice: { type: 'UPCOMING_INVOICE' } }),
  },
  {
    label: 'event for an unknown account',
    document: on('USER_ASSIGNMENT', 'acct-does-not-exist', { user: user('Zed', 'nowhere') }),
  },
  { label: 'an event type we do not handle', document: on('ACCOUNT_SYNC', 'globex') },
  { label: 'Globex cancels', document: on('SUBSCRIPTION_CANCEL', 'globex') },
  { label: 'Globex cancels again', document: on('SUBSCRIPTION_CANCEL', 'globex') },
];

/** One restrictions question AppDirect asks before a sale (the SDK's RestrictionInfo), as a function of the day's ids. */
export interface Question {
  readonly label: string;
  readonly info: (ids: Record<string, string>) => Record<string, unknown>;
}

const seats = (count: number) => [
  {
    editionCode: 'PRO',
    pricingInfo: [{ pricingDuration: 'MONTHLY', quantityInfo: [{ pricingUnit: 'USER', quantity: count }] }],
  },
];

/** Asked after the day, against the accounts it left (the store's rules, then the example product's own limit). */
export const QUESTIONS: Question[] = [
  {
    label: 'may a new company order 5 seats?',
    info: () => ({
      operation: 'SUBSCRIPTION_ORDER',
      applicationUuid: 'demo-application',
      companyUuid: uuid(),
      editionInfo: seats(5),
    }),
  },
  {
    label: 'may Acme order again?',
    info: (ids) => ({
      operation: 'SUBSCRIPTION_ORDER',
      applicationUuid: 'demo-application',
      companyUuid: ids.acmeCompany,
    }),
  },
  {
    label: 'may Acme go down to 1 seat?',
    info: (ids) => ({ operation: 'SUBSCRIPTION_CHANGE', externalVendorId: ids.acme, editionInfo: seats(1) }),
  },
  {
    label: 'may Acme go up to 40 seats?',
    info: (ids) => ({ operation: 'SUBSCRIPTION_CHANGE', externalVendorId: ids.acme, editionInfo: seats(40) }),
  },
  {
    label: 'may cancelled Globex assign a user?',
    info: (ids) => ({
      operation: 'USER_ASSIGNMENT',
      externalVendorId: ids.globex,
      userInfo: [{ firstName: 'Ivy', lastName: 'Example', userUuid: uuid() }],
    }),
  },
  {
    label: 'may an unknown subscription be changed?',
    info: () => ({ operation: 'SUBSCRIPTION_CHANGE', externalVendorId: 'acct-does-not-exist', editionInfo: seats(2) }),
  },
];

/** A customer the example product served before AppDirect sold it: the demo migrates it (examples/product). */
export const LEGACY_CUSTOMERS = {
  'legacy-hooli': { companyName: 'Hooli', users: ['gavin@hooli.example'], subscriptions: { 'sub-hooli-1': 8 } },
};

/** AppDirect's migration steps, in order (the last brings the subscription in). */
export const MIGRATION: ReadonlyArray<{
  readonly label: string;
  readonly step: 'validateCustomerAccount' | 'validateSubscription' | 'subscription';
  readonly body: Record<string, unknown>;
}> = [
  { label: 'is legacy-hooli a customer?', step: 'validateCustomerAccount', body: { tenantId: 'legacy-hooli' } },
  { label: 'is legacy-initrode a customer?', step: 'validateCustomerAccount', body: { tenantId: 'legacy-initrode' } },
  {
    label: 'is sub-hooli-1 its subscription?',
    step: 'validateSubscription',
    body: { tenantId: 'legacy-hooli', subscriptionId: 'sub-hooli-1' },
  },
  {
    label: 'migrate sub-hooli-1',
    step: 'subscription',
    body: {
      partner: 'APPDIRECT',
      tenantIdentifier: 'legacy-hooli',
      // A second demo on the same DATA_DIR gets the stored answer: a migration happens once.
      subscriptionIdentifier: 'sub-hooli-1',
      applicationIdentifier: 'demo-application',
      edition: 'PRO',
      orderUnits: [{ unitType: 'USER', unit: 8 }],
      companyUuid: 'hooli-company',
      companyName: 'Hooli',
    },
  },
];

/** The first event AppDirect sends on the migrated subscription: it finds the account. */
export const AFTER_MIGRATION = on('USER_ASSIGNMENT', 'sub-hooli-1', { user: user('Richard', 'hooli') });
