/**
 * Issue #18, the document side: whatever a fetched event document holds, the answer is defined.
 *
 * Documents are real AppDirect shapes (test/support/events.ts) with one value replaced or one key added,
 * anywhere in the tree, by something hostile: strings PostgreSQL cannot store (NUL, unpaired surrogates),
 * huge strings, numbers at and beyond every column's range, numeric strings, prototype keys as data and as
 * keys, deep nesting, wrong types. Properties:
 *  - the parser never throws, and what it accepts is storable and within the columns' ranges;
 *  - end to end (real PostgreSQL, Redis, workers, the fake marketplace), the notification is answered 200
 *    or 202, and the event ends with a result from the catalogue that is never UNKNOWN_ERROR; a refusal
 *    for bad data (INVALID_RESPONSE) comes at the first attempt; the service still applies a normal event
 *    afterwards.
 *
 * Runs with a fixed seed and the recorded counterexamples in `npm test`; `npm run test:explore` runs it with
 * random seeds (test/property/exploration.ts).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { EVENT_ERROR_CODES } from '../../src/errors/catalogue';
import type { ResultBody } from '../../src/marketplace/client';
import { notify } from '../../tools/fake-marketplace/notify';
import {
  isEventType,
  isPingTest,
  MAX_DOCUMENT_DEPTH,
  MAX_SEATS,
  parseEventDocument,
  unstorableReason,
} from '../../src/events/schema';
import {
  accountEvent,
  assignEvent,
  changeEvent,
  noticeEvent,
  orderEvent,
  person,
  unassignEvent,
} from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';
import { runSettings, seedsToRun, timeoutFor } from './exploration';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FIXED_SEED = 20261202;

const nested = (levels: number): Json => {
  let value: Json = 'bottom';
  for (let i = 0; i < levels; i += 1) value = { nested: value };
  return value;
};

/** Values a mutated document may carry where a real one has something sensible. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  // Strings the store cannot hold (the class most fuzzing findings came from: weighted up).
  { arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\u0000ACTIVE', '\ud800', 'x\udfffy', '\ud83d'), weight: 4 },
  // Strings far beyond any column.
  fc.constantFrom('x'.repeat(3000), 'é'.repeat(70_000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Numbers at and beyond every integer column (int4 seats, bigint seq) and floats JSON allows.
  fc.constantFrom(-5, -1, 0, 0.5, 1e-7, MAX_SEATS, MAX_SEATS + 1, 2 ** 53, 2 ** 63, 1e308, -1e308),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  // Numeric strings a lenient parser would read.
  fc.constantFrom('2147483648', '9223372036854775808', '-5', '0x10', '1e3', ' 7 ', ''),
  // Prototype keys as data, URLs that are not http(s), dates at the edges.
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'javascript:alert(1)',
    'file:///etc/passwd',
    '0000-01-01T00:00:00Z',
    '275760-09-13T00:00:00Z',
  ),
  // Other shapes.
  fc.constantFrom<Json>(null, true, false, [], {}, [null], { __proto__x: 1 }),
  fc.integer({ min: MAX_DOCUMENT_DEPTH - 2, max: 40 }).map(nested),
  fc.constantFrom(1000, 3000).map(nested),
);

const KEYS_TO_ADD = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'type',
  'flag',
  'accountIdentifier',
  'quantity',
  'unit',
  'x',
  'k\u0000',
  '\ud800',
];

/** Every path (object keys / array indexes) in a JSON tree, the root included. */
function pathsOf(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((item, index) => pathsOf(item, [...prefix, index])));
  if (value !== null && typeof value === 'object')
    return here.concat(...Object.entries(value).map(([key, item]) => pathsOf(item, [...prefix, key])));
  return here;
}

interface Mutation {
  readonly path: Array<string | number>;
  readonly value: Json;
  /** Add this key under the object at `path` instead of replacing the value at `path`. */
  readonly addKey?: string;
}

/** A JSON copy with the mutation applied; keys are set as own properties (as JSON.parse would). */
function mutate(document: Json, mutation: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(document)) as Json;
  const setOwn = (target: Json[] | { [key: string]: Json }, key: string | number, value: Json) =>
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  if (mutation.path.length === 0 && mutation.addKey === undefined) return mutation.value;
  let parent = copy as Json[] | { [key: string]: Json };
  const steps = mutation.addKey === undefined ? mutation.path.slice(0, -1) : mutation.path;
  for (const step of steps)
    parent = (parent as Record<string | number, Json>)[step] as Json[] | { [key: string]: Json };
  if (mutation.addKey !== undefined) {
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent))
      setOwn(parent, mutation.addKey, mutation.value);
  } else {
    setOwn(parent, mutation.path[mutation.path.length - 1]!, mutation.value);
  }
  return copy;
}

/** A real document of one kind, and one hostile change somewhere in it. */
function hostileDocument(bases: ReadonlyArray<() => Json>): fc.Arbitrary<{ document: Json; mutation: Mutation }> {
  return fc
    .integer({ min: 0, max: bases.length - 1 })
    .map((index) => bases[index]!())
    .chain((base) =>
      fc
        .record({
          path: fc.constantFrom(...pathsOf(base)),
          value: hostileValue,
          addKey: fc.option(fc.constantFrom(...KEYS_TO_ADD), { nil: undefined }),
        })
        .map((mutation) => ({ document: mutate(base, mutation), mutation })),
    );
}

/** As the fetcher sees it: the marketplace's JSON text parsed back. */
const asFetched = (document: Json): unknown => JSON.parse(JSON.stringify(document));

// eslint-disable-next-line no-control-regex -- NUL is exactly what the store refuses
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether any key or string anywhere in the value is one PostgreSQL's json/text types refuse. */
function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value);
  if (Array.isArray(value)) return value.some(holdsUnstorableText);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => UNSTORABLE_TEXT.test(key) || holdsUnstorableText(item));
  return false;
}

describe('hostile documents: the parser (pure)', () => {
  const someAccount = 'acct-00000000-0000-4000-8000-000000000000';
  // As the marketplace serves them (it adds `marketplace`).
  const served = (document: object): Json =>
    ({ ...document, marketplace: { partner: 'ACME', baseUrl: 'https://marketplace.example' } }) as Json;
  const bases: Array<() => Json> = [
    () => served(orderEvent({ seats: 5 })),
    () => served(orderEvent({ seats: 5, flag: 'STATELESS' })),
    () => served(changeEvent(someAccount, 10)),
    () => served(assignEvent(someAccount)),
    () => served(unassignEvent(someAccount, person())),
    () => served(noticeEvent(someAccount, 'DEACTIVATED')),
    () =>
      served(
        accountEvent('ADDON_ORDER', someAccount, {
          order: { addonOfferingCode: 'BACKUP', items: [{ unit: 'USER', quantity: 2 }] },
        }),
      ),
  ];

  it('accepts every base document unchanged (so the properties below are not vacuous)', () => {
    for (const base of bases) expect(parseEventDocument(asFetched(base()))).toHaveProperty('document');
  });

  it.each(seedsToRun(FIXED_SEED, 'hostile documents, the parser'))(
    'never throws; what it accepts is storable and in range (%s seed %d)',
    (_label, seed) => {
      fc.assert(
        fc.property(hostileDocument(bases), ({ document }) => {
          const fetched = asFetched(document);
          expect(() => isPingTest(fetched)).not.toThrow();
          const unstorable = unstorableReason(fetched);
          const parsed = parseEventDocument(fetched);
          if ('problems' in parsed) {
            expect(parsed.problems.length).toBeGreaterThan(0);
            return;
          }
          // A type that is not ours (prototype names included) is not handled: CONFIGURATION_ERROR.
          if ('unsupported' in parsed) {
            expect(isEventType(parsed.unsupported)).toBe(false);
            return;
          }
          if (unstorable !== null) return; // refused before the schema matters: INVALID_RESPONSE at once
          expect(() => JSON.stringify(parsed.document)).not.toThrow();
          expect(holdsUnstorableText(parsed.document)).toBe(false);
          for (const item of parsed.document.payload?.order?.items ?? []) {
            if (item.unit === 'USER') {
              expect(Number.isInteger(item.quantity)).toBe(true);
              expect(item.quantity).toBeGreaterThanOrEqual(0);
              expect(item.quantity).toBeLessThanOrEqual(MAX_SEATS);
            }
          }
          const baseUrl = parsed.document.marketplace?.baseUrl;
          if (baseUrl !== undefined && baseUrl !== null) expect(baseUrl).toMatch(/^https?:\/\//);
          expect(isEventType(parsed.document.type)).toBe(true);
        }),
        runSettings(seed, 400),
      );
    },
    timeoutFor(30_000),
  );

  it('handles no prototype name used as an event type', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(isEventType(type)).toBe(false);
      expect(parseEventDocument({ type, marketplace: { baseUrl: 'https://m.example' } })).toEqual({
        unsupported: type,
      });
    }
  });
});

describe('hostile documents: end to end', () => {
  let s: Scenario;
  let accountId: string;
  const catalogueCodes = Object.keys(EVENT_ERROR_CODES);

  beforeAll(async () => {
    s = await startScenario();
    const order = await s.send(orderEvent({ seats: 1000 }));
    accountId = order.accountIdentifier!;
    await eventually(
      async () =>
        (await s.subject.db.prisma.account.findUnique({ where: { id: accountId } }))?.provisioningStatus === 'done',
    );
  });
  afterAll(() => s.close());

  const runs = (label: string, seed: number, numRuns: number) =>
    it(
      `answers 200/202 and ends every event with a catalogue result that is never UNKNOWN_ERROR (${label} seed ${seed})`,
      async () => {
        const bases: Array<() => Json> = [
          () => orderEvent({ seats: 3 }) as Json,
          () => assignEvent(accountId) as Json,
          () => changeEvent(accountId, 900) as Json,
          () => noticeEvent(accountId, 'REACTIVATED') as Json,
          () => accountEvent('USER_UPDATED', accountId, { user: person() }) as Json,
        ];
        await fc.assert(
          fc.asyncProperty(hostileDocument(bases), async ({ document }) => {
            const { token, eventUrl } = s.marketplace.addEvent(document as Record<string, unknown>);
            const answer = await notify(s.serviceUrl, eventUrl, s.auth);
            expect([200, 202]).toContain(answer.status);
            // 200 carries the result (notices, pings, refusals found inline); 202's result is POSTed later.
            const result = (answer.status === 200 ? answer.body : await s.resultOf(token)) as unknown as ResultBody;
            expect(typeof result.success).toBe('boolean');
            if (!result.success) {
              expect(catalogueCodes).toContain(result.errorCode);
              expect(result.errorCode).not.toBe('UNKNOWN_ERROR');
            }
            const row = await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
            if (result.errorCode === 'INVALID_RESPONSE') expect(row.attempts).toBeLessThanOrEqual(1);
          }),
          runSettings(seed, numRuns),
        );
        // The service still applies a normal event afterwards.
        expect(await s.send(orderEvent({ seats: 2, companyUuid: randomUUID() }))).toMatchObject({ success: true });
      },
      timeoutFor(240_000),
    );

  for (const [label, seed] of seedsToRun(FIXED_SEED, 'hostile documents, end to end')) runs(label, seed, 60);

  /**
   * Counterexamples the random exploration found, kept as fixed cases (each one failed before its fix), and
   * the same kind of value on the other paths answered inline (notices, ping tests).
   */
  const RECORDED: Array<[string, () => Json, Mutation]> = [
    [
      'CI seed 1380555901: a REACTIVATED notice whose accountIdentifier is NUL (was HTTP 500)',
      () => noticeEvent(accountId, 'REACTIVATED') as Json,
      { path: ['payload', 'account', 'accountIdentifier'], value: '\u0000' },
    ],
    [
      'a DEACTIVATED notice whose accountIdentifier holds a lone surrogate',
      () => noticeEvent(accountId, 'DEACTIVATED') as Json,
      { path: ['payload', 'account', 'accountIdentifier'], value: 'acct-\ud800' },
    ],
    [
      'a notice whose accountIdentifier ends in NUL',
      () => noticeEvent(accountId, 'CLOSED') as Json,
      { path: ['payload', 'account', 'accountIdentifier'], value: `${'a'.repeat(10)}\u0000` },
    ],
    [
      'a ping test whose accountIdentifier is NUL',
      () => ({ ...(noticeEvent(accountId, 'REACTIVATED') as object), flag: 'STATELESS' }) as Json,
      { path: ['payload', 'account', 'accountIdentifier'], value: '\u0000' },
    ],
    [
      'a notice whose type is NUL',
      () => noticeEvent(accountId, 'DEACTIVATED') as Json,
      { path: ['payload', 'notice', 'type'], value: '\u0000' },
    ],
  ];
  it.each(RECORDED)('answers a recorded case with a catalogue result: %s', async (_name, base, mutation) => {
    const { token, eventUrl } = s.marketplace.addEvent(mutate(base(), mutation) as Record<string, unknown>);
    const answer = await notify(s.serviceUrl, eventUrl, s.auth);
    expect([200, 202]).toContain(answer.status);
    const result = (answer.status === 200 ? answer.body : await s.resultOf(token)) as unknown as ResultBody;
    if (!result.success) {
      expect(catalogueCodes).toContain(result.errorCode);
      expect(result.errorCode).not.toBe('UNKNOWN_ERROR');
    }
    expect(await s.subject.db.prisma.event.count({ where: { token } })).toBe(1);
  });
});
