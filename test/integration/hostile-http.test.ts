/**
 * Issue #18 (HTTP side) and #11.9: every reproducer of the fuzzing run gets a catalogue answer —
 * status below 500, JSON with a code — and the service still processes a normal event afterwards.
 */
import { gzipSync } from 'node:zlib';
import { orderEvent } from '../support/events';
import { rawRequest } from '../support/raw-http';
import { BASIC, startScenario, type Scenario } from '../support/scenario';

const ADMIN = 'ops-token-0123456789abcdef0123456789';
const OAUTH2 = { id: 'appdirect-client', secret: 'appdirect-client-secret-0123' };

const PRODUCT_TOKEN = 'hostile-product-token-0123456789';

describe('hostile HTTP input', () => {
  let s: Scenario;
  let port: number;
  // Bodies are checked field by field with toMatchObject, hence the loose type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const request = async (path: string, init: RequestInit = {}, auth: string | null = `Bearer ${ADMIN}`) => {
    const headers = new Headers(init.headers);
    if (auth && !headers.has('authorization')) headers.set('authorization', auth);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const res = await fetch(`${s.serviceUrl}${path}`, { ...init, headers });
    const text = await res.text();
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { unparsable: text };
    }
    return { status: res.status, headers: res.headers, body };
  };
  const raw = (text: string) => rawRequest(port, text);
  const expectCatalogue = (answer: { status: number; body: Json }, status: number, code: string) => {
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    expect(typeof answer.body.message).toBe('string');
  };
  const bigintCursor = (digits: string) => Buffer.from(digits).toString('base64url');

  beforeAll(async () => {
    s = await startScenario({
      ADMIN_TOKEN: ADMIN,
      PRODUCT_API_TOKENS: PRODUCT_TOKEN,
      APPDIRECT_OAUTH2_CLIENT_ID: OAUTH2.id,
      APPDIRECT_OAUTH2_CLIENT_SECRET: OAUTH2.secret,
      TRUST_PROXY: 'loopback',
    });
    port = Number(new URL(s.serviceUrl).port);
  });
  afterAll(() => s.close());

  afterEach(async () => {
    // The property every case keeps: a normal notification still works.
    expect((await s.send(orderEvent())).success).toBe(true);
  });

  describe('strings PostgreSQL cannot store (class 1)', () => {
    it.each([
      ['GET', '/admin/api/events/%00', 'token'],
      ['GET', '/admin/api/events/%ED%A0%80', 'path'], // a surrogate is no UTF-8: the escape itself is broken
      ['GET', '/admin/api/accounts/%00', 'accountIdentifier'],
      ['GET', '/admin/api/accounts?search=a%00b', 'search'],
      ['GET', '/admin/api/events?type=%00', 'type'],
      ['POST', '/admin/api/events/a%00b/cancel', 'token'],
      ['POST', '/admin/api/events/a%00b/retry', 'token'],
    ])('%s %s answers 400 naming %s', async (method, path, name) => {
      const answer = await request(path, { method });
      expectCatalogue(answer, 400, 'PARAMETER_INVALID');
      expect(answer.body.message).toContain(`'${name}'`);
    });

    it.each([
      ['type', '\u0000', 'contains a NUL character'],
      ['accountIdentifier', '\ud800', 'contains an unpaired surrogate'],
    ])('refuses a bulk retry whose %s holds %j (422), before any query', async (field, value, problem) => {
      const answer = await request('/admin/api/events/retry', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dryRun: true, [field]: value }),
      });
      expectCatalogue(answer, 422, 'VALIDATION_FAILED');
      expect(answer.body.details.fields).toEqual([{ field, problem }]);
    });

    it('reads an invalid UTF-8 escape in a query as U+FFFD, which is storable (200)', async () => {
      expect((await request('/admin/api/events?accountIdentifier=%ED%B0%80')).status).toBe(200);
    });

    it.each([
      ['GET', '/product/api/accounts/%00', 'accountIdentifier'],
      ['GET', '/product/api/accounts/acct-%00', 'accountIdentifier'],
      ['GET', '/product/api/accounts?companyUuid=%00', 'companyUuid'],
      ['POST', '/product/api/decisions/a%00b', 'eventToken'],
    ])('the product API: %s %s answers 400 naming %s', async (method, path, name) => {
      const answer = await request(
        path,
        {
          method,
          headers: { 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify({ decision: 'accept' }) : undefined,
        },
        `Bearer ${PRODUCT_TOKEN}`,
      );
      expectCatalogue(answer, 400, 'PARAMETER_INVALID');
      expect(answer.body.message).toContain(`'${name}'`);
    });

    it('the page refuses a NUL event token with 400', async () => {
      const answer = await fetch(`${s.serviceUrl}/admin/events/%00`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(answer.status).toBe(400);
    });
  });

  describe('values out of the column range (class 2, 7)', () => {
    it.each([
      ['cursor of 19 nines', `cursor=${bigintCursor('9999999999999999999')}`, 'cursor'],
      ['cursor of 2^63', `cursor=${bigintCursor('9223372036854775808')}`, 'cursor'],
      ['cursor of 0', `cursor=${bigintCursor('0')}`, 'cursor'],
      ['year 0', 'to=0000-01-01T00:00:00Z', 'to'],
      ['year 1969', 'from=1969-12-31T23:59:59Z', 'from'],
      ['hex limit', 'limit=0x10', 'limit'],
      ['exponent limit', 'limit=1e2', 'limit'],
      ['signed limit', 'limit=%2B5', 'limit'],
      ['blank limit', 'limit=', 'limit'],
      ['repeated limit', 'limit=1&limit=2', 'limit'],
      ['repeated status', 'status=failed&status=queued', 'status'],
    ])('GET /admin/api/events with a %s answers 400', async (_name, query, field) => {
      const answer = await request(`/admin/api/events?${query}`);
      expectCatalogue(answer, 400, 'PARAMETER_INVALID');
      expect(answer.body.message).toContain(`'${field}'`);
    });

    it('accepts the largest cursor a BIGINT holds and a plain decimal limit', async () => {
      expect((await request(`/admin/api/events?cursor=${bigintCursor('9223372036854775807')}&limit=16`)).status).toBe(
        200,
      );
    });

    it('refuses a bulk retry dated in year 0 (422)', async () => {
      const answer = await request('/admin/api/events/retry', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dryRun: true, to: '0000-01-01T00:00:00Z' }),
      });
      expectCatalogue(answer, 422, 'VALIDATION_FAILED');
    });
  });

  describe('body charsets and encodings (class 4)', () => {
    const bulkDryRun = (headers: Record<string, string>, body: string | Buffer) =>
      request('/admin/api/events/retry', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    it.each([['latin1'], ['bogus'], ['utf-7']])('answers 415 for a JSON body in charset %s', async (charset) => {
      const answer = await bulkDryRun({ 'content-type': `application/json; charset=${charset}` }, '{"dryRun":true}');
      expectCatalogue(answer, 415, 'UNSUPPORTED_CHARSET');
    });

    it('decodes JSON in UTF-16LE when the charset says so', async () => {
      const answer = await bulkDryRun(
        { 'content-type': 'application/json; charset=utf-16le' },
        Buffer.from('{"dryRun":true}', 'utf16le'),
      );
      expect(answer).toMatchObject({ status: 200, body: { dryRun: true } });
    });

    it.each([['compress'], ['zstd-ish'], ['gzip, gzip']])('answers 415 for Content-Encoding %s', async (encoding) => {
      const answer = await bulkDryRun({ 'content-encoding': encoding }, '{"dryRun":true}');
      expectCatalogue(answer, 415, 'UNSUPPORTED_CONTENT_ENCODING');
    });

    it.each([['gzip'], ['x-gzip']])('decodes a body sent with Content-Encoding %s', async (encoding) => {
      const answer = await bulkDryRun({ 'content-encoding': encoding }, gzipSync('{"dryRun":true}'));
      expect(answer).toMatchObject({ status: 200, body: { dryRun: true } });
    });

    it('answers /oauth2/token in a bad charset or encoding with 415 in the RFC 6749 shape', async () => {
      const basic = `Basic ${Buffer.from(`${OAUTH2.id}:${OAUTH2.secret}`).toString('base64')}`;
      for (const headers of [
        { 'content-type': 'application/x-www-form-urlencoded; charset=bogus' },
        { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'compress' },
      ]) {
        const answer = await request(
          '/oauth2/token',
          { method: 'POST', headers, body: 'grant_type=client_credentials' },
          basic,
        );
        expect(answer.status).toBe(415);
        expect(answer.body).toMatchObject({ error: 'invalid_request' });
        expect(['UNSUPPORTED_CHARSET', 'UNSUPPORTED_CONTENT_ENCODING']).toContain(answer.body.code);
      }
    });
  });

  describe('headers and cookies (class 5)', () => {
    it.each([['[zz'], ['bücher.example'], ['a b']])('answers a signed callback with Host %j with 400', async (host) => {
      const auth = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
      const answer = await raw(
        `GET /appdirect/events?eventUrl=x HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(JSON.parse(answer.body).code).toMatch(/^(PARAMETER_INVALID|MALFORMED_REQUEST)$/);
    });

    it('answers a broken percent-escape in the session cookie with 401, not 500', async () => {
      const answer = await request('/admin/api/events', { headers: { cookie: 'adp_admin=%E0%A4%A' } }, null);
      expectCatalogue(answer, 401, 'ADMIN_TOKEN_INVALID');
    });
  });

  describe('order of checks and what errors show (class 8)', () => {
    it('checks the admin token before reading a body', async () => {
      const answer = await request(
        '/admin/api/events/retry',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' },
        null,
      );
      expectCatalogue(answer, 401, 'ADMIN_TOKEN_INVALID');
      const huge = await request(
        '/admin/api/events/retry',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(50_000) },
        null,
      );
      expectCatalogue(huge, 401, 'ADMIN_TOKEN_INVALID');
    });

    it('answers a broken percent-escape in a GET path as a bad parameter, not a bad body', async () => {
      const answer = await request('/admin/api/events/%E0%A4%A');
      expectCatalogue(answer, 400, 'PARAMETER_INVALID');
      expect(answer.body.message).toContain('percent-escape');
    });
  });

  describe("below Express: Node's HTTP parser (class 9)", () => {
    const host = () => `Host: 127.0.0.1:${port}\r\n`;
    it.each([
      [
        'duplicate Content-Length',
        () => `POST /admin/api/events/retry HTTP/1.1\r\n${host()}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
        400,
      ],
      [
        'Transfer-Encoding with Content-Length',
        () =>
          `POST /oauth2/token HTTP/1.1\r\n${host()}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        400,
      ],
      ['headers over 16 KiB', () => `GET /status HTTP/1.1\r\n${host()}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['an invalid header name', () => `GET /status HTTP/1.1\r\n${host()}Bad Header: x\r\n\r\n`, 400],
      ['a control byte in a header value', () => `GET /status HTTP/1.1\r\n${host()}X-A: a\u0001b\r\n\r\n`, 400],
      ['obsolete line folding', () => `GET /status HTTP/1.1\r\n${host()}X-A: a\r\n  folded\r\n\r\n`, 400],
      ['an unknown method token', () => `BREW /status HTTP/1.1\r\n${host()}\r\n`, 400],
      ['http/1.1 in lower case', () => `GET /status http/1.1\r\n${host()}\r\n`, 400],
      ['a missing Host', () => 'GET /status HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
      [
        'an empty Expect',
        () => `POST /oauth2/token HTTP/1.1\r\n${host()}Expect:\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        417,
      ],
      ['CONNECT', () => `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host()}\r\n`, 405],
    ])('answers %s with the catalogue body', async (_name, bytes, status) => {
      const answer = await raw(bytes());
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toContain('application/json');
      const body = JSON.parse(answer.body) as Json;
      expect(typeof body.code).toBe('string');
      expect(typeof body.requestId).toBe('string');
    });
  });

  describe('authentication hardening (#11.9)', () => {
    const tokenFor = async () => {
      const basic = `Basic ${Buffer.from(`${OAUTH2.id}:${OAUTH2.secret}`).toString('base64')}`;
      const answer = await request(
        '/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        },
        basic,
      );
      return answer.body.access_token as string;
    };

    it('takes a bearer token from the Authorization header only, never from the query', async () => {
      const token = await tokenFor();
      const { eventUrl } = s.marketplace.addEvent(orderEvent());
      const inQuery = await request(
        `/appdirect/events?eventUrl=${encodeURIComponent(eventUrl)}&access_token=${token}`,
        {},
        null,
      );
      expect(inQuery.status).toBe(401);
      const inHeader = await request(
        `/appdirect/events?eventUrl=${encodeURIComponent(eventUrl)}`,
        {},
        `Bearer ${token}`,
      );
      expect(inHeader.status).toBeLessThan(300);
    });

    it('answers a repeated callback parameter with 400', async () => {
      const auth = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
      const answer = await request('/appdirect/events?eventUrl=a&eventUrl=b', {}, auth);
      expectCatalogue(answer, 400, 'PARAMETER_INVALID');
    });

    it('answers /oauth2/token client failures per RFC 6749 §5.2', async () => {
      const wrong = `Basic ${Buffer.from(`${OAUTH2.id}:wrong`).toString('base64')}`;
      const answer = await request(
        '/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        },
        wrong,
      );
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_client', code: 'OAUTH2_INVALID_CLIENT' });
      expect(answer.headers.get('www-authenticate')).toContain('Basic');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const basic = `Basic ${Buffer.from(`${OAUTH2.id}:${OAUTH2.secret}`).toString('base64')}`;
      const grant = await request(
        '/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=password',
        },
        basic,
      );
      expect(grant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
      const repeated = await request(
        '/oauth2/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&grant_type=client_credentials',
        },
        basic,
      );
      expect(repeated).toMatchObject({ status: 400, body: { error: 'invalid_request', code: 'PARAMETER_INVALID' } });
    });
  });
});

describe('credential guessing on the callback (#11.9)', () => {
  let s: Scenario;
  const request = (from: string, password: string) =>
    fetch(`${s.serviceUrl}/appdirect/events?eventUrl=x`, {
      headers: {
        accept: 'application/json',
        'x-forwarded-for': from,
        authorization: `Basic ${Buffer.from(`${BASIC.username}:${password}`).toString('base64')}`,
      },
    });

  beforeAll(async () => {
    s = await startScenario({ TRUST_PROXY: 'loopback' });
  });
  afterAll(() => s.close());

  it('is limited per client, and spraying addresses does not buy more guesses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) statuses.push((await request('203.0.113.7', `guess-${i}`)).status);
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    // One guess from each of many addresses: the overall budget runs out all the same.
    const sprayed: number[] = [];
    for (let i = 0; i < 200; i += 1) sprayed.push((await request(`198.51.100.${i % 250}`, `spray-${i}`)).status);
    expect(sprayed.filter((status) => status === 401)).toHaveLength(180);
    const limited = await request('192.0.2.1', 'one-more');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { code: string }).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
