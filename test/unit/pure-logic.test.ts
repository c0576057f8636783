import { issueBearerToken, verifyBearerToken } from '../../src/auth/bearer-tokens';
import { parseEventDocument, seatLimitOf } from '../../src/events/schema';
import { parseEventUrl, resultUrlFor } from '../../src/marketplace/event-url';
import { loadConfig } from '../../src/config';
import { backoffDelay, RETRY_DEFAULTS } from '../../src/jobs/retry-policy';
import { jobIdForToken } from '../../src/queue/names';
import { columns, preparedStatementNames, Prisma } from '../../src/db/client';

describe('backoffDelay', () => {
  it('doubles from the base, within ±25 % jitter, up to the cap', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(3000);
    expect(backoffDelay(3, 1000, 60_000, () => 0.999999)).toBe(5000);
    expect(backoffDelay(30, 1000, 60_000, () => 0.5)).toBe(60_000);
  });

  it('spans at least 24 h over the default result-delivery attempts, even with the shortest jitter every time', () => {
    const attempts = loadConfig({}).resultMaxAttempts;
    expect(attempts).toBe(RETRY_DEFAULTS.result.attempts);
    let total = 0;
    for (let attempt = 1; attempt < attempts; attempt += 1) total += backoffDelay(attempt, 5000, 15 * 60_000, () => 0);
    expect(total).toBeGreaterThan(24 * 3600_000);
  });
});

describe('jobIdForToken', () => {
  it('never contains ":" and keeps distinct tokens distinct', () => {
    expect(jobIdForToken('abc-123')).toBe('evt-abc-123');
    expect(jobIdForToken('a:b')).not.toContain(':');
    expect(jobIdForToken('a:b')).not.toBe(jobIdForToken('a~3ab'));
  });
});

describe('parseEventUrl (the SSRF guard)', () => {
  const allowed = ['https://market.example', 'http://127.0.0.1:8080'];
  it('accepts an event URL on a configured marketplace and extracts the token', () => {
    expect(parseEventUrl('https://market.example/api/integration/v1/events/3f2a-99', allowed)).toEqual({
      eventUrl: 'https://market.example/api/integration/v1/events/3f2a-99',
      token: '3f2a-99',
      marketplaceOrigin: 'https://market.example',
      isProbe: false,
    });
    expect(parseEventUrl('https://market.example/api/integration/v1/events/dummyAssign', allowed)).toMatchObject({
      isProbe: true,
    });
  });

  it.each([
    ['https://evil.example/api/integration/v1/events/x', 'is not one of the marketplaces'],
    ['http://market.example/api/integration/v1/events/x', 'is not one of the marketplaces'],
    ['https://market.example:444/api/integration/v1/events/x', 'is not one of the marketplaces'],
    ['https://user:pw@market.example/api/integration/v1/events/x', 'credentials in the URL'],
    ['https://market.example/api/integration/v1/events/x/../../admin', 'the path is not'],
    ['https://market.example/api/integration/v1/events/x?redirect=1', 'the path is not'],
    ['not a url', 'not an absolute URL'],
  ])('refuses %s', (url, problem) => {
    const parsed = parseEventUrl(url, allowed);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });

  it('builds the result URL from the marketplace origin and the token', () => {
    expect(resultUrlFor('https://market.example/', 'tok 1')).toBe(
      'https://market.example/api/integration/v1/events/tok%201/result',
    );
  });
});

describe('event documents', () => {
  it('reads quantity as a number or a string, tolerates unknown fields and an empty configuration list', () => {
    const parsed = parseEventDocument({
      type: 'SUBSCRIPTION_ORDER',
      marketplace: { baseUrl: 'https://market.example', partner: 'ACME', somethingNew: true },
      payload: {
        order: {
          editionCode: 'PRO',
          items: [
            { unit: 'USER', quantity: '25' },
            { unit: 'GIGABYTE', quantity: 5 },
          ],
        },
        configuration: [],
      },
    });
    if (!('document' in parsed)) throw new Error(JSON.stringify(parsed));
    expect(seatLimitOf(parsed.document.payload.order)).toBe(25);
    expect(parsed.document.payload.configuration).toEqual({});
  });

  it('names the invalid fields', () => {
    const parsed = parseEventDocument({
      type: 'USER_ASSIGNMENT',
      marketplace: { baseUrl: 'nope' },
      payload: { user: { uuid: 'u' } },
    });
    // Its type's schema requires the account it names, too (issue 24: one schema per type).
    expect('problems' in parsed && parsed.problems.map((p) => p.split(':')[0])).toEqual([
      'marketplace.baseUrl',
      'payload.account',
      'payload.user.email',
    ]);
  });

  it('has no seat limit without a USER item', () => {
    expect(seatLimitOf({ items: [{ unit: 'GIGABYTE', quantity: 5 }] } as never)).toBeUndefined();
  });
});

describe('bearer tokens', () => {
  it('verifies its own tokens until they expire, and refuses forged or re-keyed ones', () => {
    const now = Date.now();
    const { accessToken } = issueBearerToken('client', 'secret', 60, now);
    expect(verifyBearerToken(accessToken, 'secret', now + 59_000)).toBe('client');
    expect(verifyBearerToken(accessToken, 'secret', now + 61_000)).toBeNull();
    expect(verifyBearerToken(accessToken, 'rotated-secret', now)).toBeNull();
    expect(verifyBearerToken(`${accessToken}x`, 'secret', now)).toBeNull();
  });
});

describe('preparedStatementNames', () => {
  it('gives one stable name per SQL text, different texts different names', () => {
    const name = preparedStatementNames();
    const a = name({ sql: 'SELECT 1 WHERE $1' });
    expect(name({ sql: 'SELECT 1 WHERE $1' })).toBe(a);
    expect(a).toMatch(/^adp_[0-9a-f]{24}$/);
    expect(name({ sql: 'SELECT 2 WHERE $1' })).not.toBe(a);
    // The same text gets the same name in another process (another generator).
    expect(preparedStatementNames()({ sql: 'SELECT 1 WHERE $1' })).toBe(a);
  });

  it('leaves statements unnamed (parsed each time) beyond the limit of distinct texts', () => {
    const name = preparedStatementNames(2);
    const first = name({ sql: 'SELECT 1' });
    name({ sql: 'SELECT 2' });
    expect(name({ sql: 'SELECT 3' })).toBe('');
    expect(name({ sql: 'SELECT 1' })).toBe(first);
  });
});

describe('columns', () => {
  it("lists a model's columns for raw SQL, never *", () => {
    const sql = columns(Prisma.EventScalarFieldEnum);
    expect(sql.sql).toContain('"seq", "token"');
    expect(sql.sql).not.toContain('*');
  });
});
