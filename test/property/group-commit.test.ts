/**
 * Issue 24, one runner: deciding an account's waiting events in runs of several, one transaction each, gives
 * exactly the outcomes of running them one at a time (a run of one).
 *
 * Random sequences of one account's events, of every type — assignments and unassignments of a small pool of
 * users (some twice, some never assigned), seat changes below and above the seats in use, user updates (some
 * with the company's details), suspend / reactivate / close notices, cancels, add-on orders (legacy ADDON_ORDER
 * and SUBSCRIPTION_ORDER with parentAccountIdentifier), changes, cancels, binds and unbinds, orders of a new
 * account, pings, assignments without a user, unsupported types and documents that cannot be read — are stored
 * as queued events in two databases that start identical. One runs them one at a time in arrival order; the
 * other as workers do: a run from the account's first waiting event, of a random size. Then every outcome is
 * compared: each event's status, result, error code, attempts and attempt records, the result owed to
 * AppDirect, the product calls written (kinds, modes, arguments, answers, in order), the account, its seats,
 * users, add-ons and bindings. Twice: with every call notified, and with a product that decides (it refuses
 * some users, so a run rolls one event's changes back and goes on).
 *
 * Real PostgreSQL; a fixed seed in `npm test`, random seeds with `npm run test:explore` (./exploration.ts).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Prisma } from '../../src/db/client';
import type { ProvisioningHooks } from '../../src/hooks';
import { connectProduct } from '../../src/hooks/product';
import { accountNamedBy } from '../../src/inbox/document';
import { runEvent, type RunDeps } from '../../src/inbox/run';
import { MarketplaceClient } from '../../src/marketplace/client';
import {
  accountEvent,
  assignEvent,
  changeEvent,
  noticeEvent,
  orderEvent,
  person,
  unassignEvent,
} from '../support/events';
import { createTestDatabase, silentLogger, testConfig, type TestDatabase } from '../support/infra';
import { runSettings, seedsToRun, timeoutFor } from './exploration';

const FIXED_SEED = 20261213;
const RUNS_PER_SEED = Number(process.env.FC_RUNS ?? 40);
const MARKETPLACE = 'https://marketplace.example';

type Step =
  | { kind: 'assign' | 'unassign'; user: number }
  | { kind: 'update'; user: number; company: { name: string; email?: string } | null }
  | { kind: 'change'; seats: number | null }
  | { kind: 'notice'; notice: 'SUSPENDED' | 'REACTIVATED' | 'CLOSED' }
  | { kind: 'addon-order' | 'addon-order-v2' | 'addon-change' | 'addon-cancel' | 'addon-cancel-v2' }
  | { kind: 'addon-bind' | 'addon-unbind'; binding: number; user: number }
  | { kind: 'order' | 'cancel' | 'ping' | 'assign-without-user' | 'unreadable' | 'unsupported' };

const USERS = 4;
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('assign' as const), user: fc.nat(USERS - 1) }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('unassign' as const), user: fc.nat(USERS - 1) }), weight: 4 },
  {
    // Some with the company's details (the account row changes within a group), some with its e-mail left out.
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      user: fc.nat(USERS - 1),
      company: fc.option(
        fc.record(
          { name: fc.constantFrom('Renamed Inc', 'Other Inc'), email: fc.constantFrom('a@x.example', 'b@x.example') },
          { requiredKeys: ['name'] },
        ),
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('change' as const), seats: fc.option(fc.integer({ min: 1, max: 4 })) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('notice' as const),
      notice: fc.constantFrom('SUSPENDED' as const, 'REACTIVATED' as const, 'CLOSED' as const),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      { kind: 'addon-order' as const },
      { kind: 'addon-order-v2' as const },
      { kind: 'addon-change' as const },
      { kind: 'addon-cancel' as const },
      { kind: 'addon-cancel-v2' as const },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('addon-bind' as const, 'addon-unbind' as const),
      binding: fc.nat(1),
      user: fc.nat(USERS - 1),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      { kind: 'order' as const },
      { kind: 'cancel' as const },
      { kind: 'ping' as const },
      { kind: 'assign-without-user' as const },
      { kind: 'unreadable' as const },
      { kind: 'unsupported' as const },
    ),
    weight: 2,
  },
);

const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 24 }),
  seats: fc.option(fc.integer({ min: 1, max: 4 })),
  groupSizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
});
type ScenarioCase = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The event document a step stands for, on `accountId`, with users from `people`. */
function documentOf(entry: Step, accountId: string, people: Array<Record<string, unknown>>): Record<string, unknown> {
  switch (entry.kind) {
    case 'assign':
      return assignEvent(accountId, people[entry.user]!);
    case 'unassign':
      return unassignEvent(accountId, people[entry.user]!);
    case 'update':
      return accountEvent('USER_UPDATED', accountId, {
        user: { ...people[entry.user]!, lastName: 'Renamed' },
        ...(entry.company ? { company: { uuid: `company-${accountId}`, ...entry.company } } : {}),
      });
    case 'change':
      return changeEvent(accountId, entry.seats ?? undefined);
    case 'notice':
      return noticeEvent(accountId, entry.notice);
    case 'cancel':
      return accountEvent('SUBSCRIPTION_CANCEL', accountId);
    case 'ping':
      return { ...assignEvent(accountId, people[0]!), flag: 'STATELESS' };
    case 'assign-without-user':
      return accountEvent('USER_ASSIGNMENT', accountId);
    case 'unreadable':
      return { type: 'USER_ASSIGNMENT', payload: { account: { accountIdentifier: 42 } } };
    case 'unsupported':
      return accountEvent('USER_SYNC', accountId);
    case 'order':
      // A new account's order runs alone (its company's, not this account's): it is filed under no account, and
      // decided whenever, so its buyer is none of the pool (the order of different accounts' events is not kept).
      return orderEvent({
        seats: 2,
        companyUuid: `company-${accountId}-new`,
        creator: person({ uuid: `${accountId}-buyer`, email: 'buyer@customer.example' }),
      });
    case 'addon-order':
      return accountEvent('ADDON_ORDER', accountId, { order: { addonOfferingCode: 'BACKUP', items: [] } });
    case 'addon-order-v2':
      return {
        type: 'SUBSCRIPTION_ORDER',
        creator: people[0],
        payload: {
          company: { uuid: `company-${accountId}`, name: 'Customer Inc' },
          account: { accountIdentifier: null, status: 'INITIALIZED', parentAccountIdentifier: accountId },
          order: { editionCode: 'EXTRA-STORAGE', items: [{ unit: 'GIGABYTE', quantity: 50 }] },
        },
      };
    case 'addon-change':
      return accountEvent('ADDON_CHANGE', accountId, {
        addonInstance: { id: `addon-${accountId}` },
        order: { addonOfferingCode: 'BACKUP-PLUS', items: [] },
      });
    case 'addon-cancel':
      return accountEvent('ADDON_CANCEL', accountId, { addonInstance: { id: `addon-${accountId}` } });
    case 'addon-cancel-v2':
      return {
        type: 'SUBSCRIPTION_CANCEL',
        payload: { account: { accountIdentifier: `addon-${accountId}`, parentAccountIdentifier: accountId } },
      };
    case 'addon-bind':
      return accountEvent('ADDON_BIND', accountId, {
        addonInstance: { id: `addon-${accountId}` },
        addonBinding: { id: `bind-${accountId}-${entry.binding}` },
        user: people[entry.user],
      });
    case 'addon-unbind':
      return accountEvent('ADDON_UNBIND', accountId, {
        addonInstance: { id: `addon-${accountId}` },
        addonBinding: { id: `bind-${accountId}-${entry.binding}` },
      });
  }
}

/** The same account, owner and queued events in a database (fixed times, so both sides store the same). */
async function seedAccount(
  db: TestDatabase,
  accountId: string,
  owner: Record<string, unknown>,
  maxUsers: number | null,
  documents: Array<Record<string, unknown>>,
): Promise<string[]> {
  const at = new Date('2026-12-01T10:00:00Z');
  await db.prisma.account.create({
    data: {
      id: accountId,
      companyUuid: `company-${accountId}`,
      liveCompanyUuid: `company-${accountId}`,
      companyName: 'Customer Inc',
      editionCode: 'PRO',
      maxUsers,
      orderItems: maxUsers === null ? [] : [{ unit: 'USER', quantity: maxUsers }],
      marketplaceBaseUrl: MARKETPLACE,
      createdByEventToken: `order-${accountId}`,
      createdAt: at,
      seats: {
        create: {
          role: 'owner',
          assignedAt: at,
          user: { create: { uuid: owner.uuid as string, email: owner.email as string, createdAt: at } },
        },
      },
      addons: {
        create: {
          id: `addon-${accountId}`,
          offeringCode: 'BACKUP',
          createdByEventToken: `order-${accountId}`,
          createdAt: at,
        },
      },
    },
  });
  const tokens = documents.map((_, index) => `${accountId}-${String(index).padStart(2, '0')}`);
  for (const [index, document] of documents.entries()) {
    await db.prisma.event.create({
      data: {
        token: tokens[index]!,
        eventUrl: `${MARKETPLACE}/api/integration/v1/events/${tokens[index]}`,
        marketplaceBaseUrl: MARKETPLACE,
        status: 'queued',
        type: typeof document.type === 'string' ? document.type : null,
        // As the document store files it: under the account the document names (none for a new account's order).
        accountId: accountNamedBy(document),
        receivedAt: new Date(at.getTime() + index * 1000),
        payload: { ...document, marketplace: { partner: 'ACME', baseUrl: MARKETPLACE } } as Prisma.InputJsonObject,
      },
    });
  }
  return tokens;
}

/** One at a time, in arrival order: runs of one. */
async function runOneByOne(deps: RunDeps, tokens: readonly string[]): Promise<void> {
  for (const token of tokens) {
    const run = await runEvent(deps, token, { workerId: 'w', max: 1 });
    expect(run.own.kind).toBe('finished');
  }
}

/**
 * As workers do: a run from the account's first waiting event, of a size from `runSizes` in turn; then each
 * event of no account (a new account's order) on its own.
 */
async function runAsWorkers(
  deps: RunDeps,
  db: TestDatabase,
  accountId: string,
  tokens: readonly string[],
  runSizes: readonly number[],
): Promise<{ runs: number; events: number }> {
  let runs = 0;
  let events = 0;
  for (let round = 0; round < 200; round += 1) {
    const first = await db.prisma.event.findFirst({
      where: { accountId, status: { in: ['received', 'queued', 'processing'] } },
      orderBy: { seq: 'asc' },
      select: { token: true },
    });
    if (!first) {
      for (const token of tokens) {
        const run = await runEvent(deps, token, { workerId: 'w', max: 1 });
        expect(run.own.kind === 'finished' || run.own.kind === 'alreadyFinished').toBe(true);
      }
      return { runs, events };
    }
    const run = await runEvent(deps, first.token, { workerId: 'w', max: runSizes[round % runSizes.length]! });
    expect(run.own.kind).toBe('finished');
    if (run.finished.length > 1) {
      runs += 1;
      events += run.finished.length;
    }
  }
  throw new Error('the account was not gone through in 200 runs');
}

/** Identifiers the service draws at random (an add-on's, an account's): the same placeholder on both sides. */
const withoutDrawnIds = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)).replace(
      /(addon|acct|bind)-[0-9a-f]{16}/g,
      '$1-*',
    ),
  );

/** Everything an outcome is made of, without ids and clock times. */
async function outcomes(db: TestDatabase, accountId: string, tokens: readonly string[]) {
  const events = await db.prisma.event.findMany({
    where: { token: { in: [...tokens] } },
    orderBy: { seq: 'asc' },
    select: {
      token: true,
      status: true,
      result: true,
      errorCode: true,
      attempts: true,
      lastError: true,
      pendingSince: true,
      accountStatusAtArrival: true,
      deliveries: { select: { status: true, body: true, resultUrl: true } },
      attemptHistory: {
        orderBy: { attempt: 'asc' },
        select: { attempt: true, outcome: true, errorCode: true, error: true, workerId: true },
      },
    },
  });
  const hookCalls = await db.prisma.hookCall.findMany({
    where: { eventToken: { startsWith: accountId } },
    // In event order (an account's calls follow its events; another account's are not ordered with them).
    orderBy: [{ eventToken: 'asc' }, { id: 'asc' }],
    select: { eventToken: true, kind: true, mode: true, args: true, answer: true, done: true, accountId: true },
  });
  const accounts = await db.prisma.account.findMany({
    where: { companyUuid: { startsWith: `company-${accountId}` } },
    orderBy: { companyUuid: 'asc' },
    select: {
      status: true,
      companyUuid: true,
      liveCompanyUuid: true,
      companyName: true,
      companyEmail: true,
      editionCode: true,
      pricingDuration: true,
      maxUsers: true,
      orderItems: true,
      provisioningStatus: true,
      seats: { select: { role: true, user: { select: { uuid: true } } }, orderBy: { user: { uuid: 'asc' } } },
      addons: {
        orderBy: { createdAt: 'asc' },
        select: {
          offeringCode: true,
          status: true,
          orderItems: true,
          bindings: { orderBy: { id: 'asc' }, select: { id: true, unboundAt: true, userId: true } },
        },
      },
    },
  });
  const users = await db.prisma.user.findMany({
    where: { uuid: { startsWith: `${accountId}-` } },
    orderBy: { uuid: 'asc' },
    select: { uuid: true, email: true, firstName: true, lastName: true, attributes: true },
  });
  return withoutDrawnIds({
    events,
    hookCalls,
    // A binding's user and unbinding time differ by id and clock: whether each is set is what counts.
    accounts: accounts.map((account) => ({
      ...account,
      addons: account.addons.map((addon) => ({
        ...addon,
        bindings: addon.bindings.map((binding) => ({
          id: binding.id,
          bound: binding.unboundAt === null,
          toUser: binding.userId !== null,
        })),
      })),
    })),
    users,
  });
}

/** A product that decides: it refuses the last user of the pool, and accepts everything else. */
const decidingProduct: ProvisioningHooks = {
  async accountCreated() {
    return { decision: 'accept' };
  },
  async userAssigned(call) {
    return String(call.data.user.uuid).endsWith('-user-3')
      ? { decision: 'refuse', errorCode: 'FORBIDDEN', message: 'The product does not take this user.' }
      : { decision: 'accept' };
  },
  async addonOrdered() {
    return { decision: 'accept', message: 'Add-on ready.' };
  },
};

describe.each([
  ['every call notified', {}, undefined],
  ['a product that decides', { PRODUCT_DECIDE: 'accountCreated,userAssigned,addonOrdered' }, decidingProduct],
] as const)('runs of several events give the outcomes of runs of one (%s)', (_name, env, hooks) => {
  let oneByOne: TestDatabase;
  let grouped: TestDatabase;
  let depsOf: (db: TestDatabase) => RunDeps;
  let runsFormed = 0;
  let eventsInRuns = 0;

  beforeAll(async () => {
    [oneByOne, grouped] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const config = testConfig(env);
    const product = await connectProduct(config, silentLogger, hooks ? { hooks } : {});
    const marketplace = new MarketplaceClient({ credentials: {} });
    depsOf = (db) => ({ db: db.prisma, marketplace, config, product });
  });
  afterAll(async () => {
    await Promise.all([oneByOne?.drop(), grouped?.drop()]);
  });

  it.each(seedsToRun(FIXED_SEED, 'one runner'))(
    'random sequences of one account, both ways (%s seed %d)',
    async (_label, seed) => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ steps, seats, groupSizes }) => {
          const accountId = `acct-${randomUUID().slice(0, 8)}`;
          // User uuids start with the account id, so each run's users are its own.
          const people = Array.from({ length: USERS }, (_, i) => person({ uuid: `${accountId}-user-${i}` }));
          const owner = person({ uuid: `${accountId}-owner` });
          const documents = steps.map((entry) => documentOf(entry, accountId, people));
          const tokens = await seedAccount(oneByOne, accountId, owner, seats, documents);
          await seedAccount(grouped, accountId, owner, seats, documents);

          await runOneByOne(depsOf(oneByOne), tokens);
          const runs = await runAsWorkers(depsOf(grouped), grouped, accountId, tokens, groupSizes);

          const [expected, actual] = await Promise.all([
            outcomes(oneByOne, accountId, tokens),
            outcomes(grouped, accountId, tokens),
          ]);
          expect(actual).toEqual(expected);
          runsFormed += runs.runs;
          eventsInRuns += runs.events;
        }),
        runSettings<[ScenarioCase]>(seed, RUNS_PER_SEED, {
          endOnFailure: true,
          // Always also: a company update, then one without the e-mail, in one run (the second must see the
          // first's e-mail: the account row changed within the run); and add-ons bound and unbound in one.
          examples: [
            [
              {
                steps: [
                  { kind: 'assign', user: 0 },
                  { kind: 'update', user: 1, company: { name: 'Renamed Inc', email: 'a@x.example' } },
                  { kind: 'update', user: 2, company: { name: 'Other Inc' } },
                  { kind: 'assign', user: 1 },
                ],
                seats: 3,
                groupSizes: [10],
              },
            ],
            [
              {
                steps: [
                  { kind: 'assign', user: 3 },
                  { kind: 'addon-bind', binding: 0, user: 1 },
                  { kind: 'addon-order-v2' },
                  { kind: 'assign', user: 2 },
                  { kind: 'addon-unbind', binding: 0, user: 0 },
                  { kind: 'notice', notice: 'SUSPENDED' },
                  { kind: 'assign', user: 0 },
                  { kind: 'addon-cancel-v2' },
                ],
                seats: null,
                groupSizes: [12],
              },
            ],
          ],
        }),
      );
      console.log(`one runner property (${_label} seed ${seed}): ${runsFormed} runs took ${eventsInRuns} events`);
      // The property is about runs of several: most must have formed.
      expect(runsFormed).toBeGreaterThan(RUNS_PER_SEED / 2);
    },
    timeoutFor(300_000),
  );
});
