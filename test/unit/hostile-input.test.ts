import { ConfigError, loadConfig } from '../../src/config';
import { trustProxySetting } from '../../src/config/schema';
import { AppError } from '../../src/errors/app-error';
import { parserError, rawErrorResponse } from '../../src/http/http-server';
import {
  decodeSeqCursor,
  isoInstant,
  parseQueryParams,
  percentDecode,
  requestHost,
  safeText,
  strictInt,
  unsafeTextReason,
} from '../../src/http/input';
import { charsetOf } from '../../src/http/middleware/body';
import { WindowCounter } from '../../src/http/middleware/rate-limit';
import { z } from 'zod';

const cursor = (text: string) => Buffer.from(text).toString('base64url');

describe('untrusted text becomes data in one place (src/http/input.ts)', () => {
  it.each([
    ['a\u0000b', 'contains a NUL character'],
    ['\ud800', 'contains an unpaired surrogate'],
    ['x\udc00', 'contains an unpaired surrogate'],
    ['\udc00\ud800', 'contains an unpaired surrogate'],
  ])('refuses %j: %s', (text, reason) => {
    expect(unsafeTextReason(text)).toBe(reason);
    expect(safeText(10).safeParse(text).success).toBe(false);
  });

  it('keeps ordinary text, emoji (paired surrogates) included', () => {
    expect(unsafeTextReason('Zoë 😀 ü')).toBeNull();
    expect(safeText(20).parse('Zoë 😀')).toBe('Zoë 😀');
  });

  it.each(['0x10', '1e2', ' 5', '+5', '5.0', '', '05', '-0x1', '16abc', '99999999999999999'])(
    'reads %j as no integer',
    (text) => {
      expect(strictInt(1, 200).safeParse(text).success).toBe(false);
    },
  );

  it('reads decimal integers inside their range only', () => {
    expect(strictInt(1, 200).parse('16')).toBe(16);
    expect(strictInt(1, 200).parse(200)).toBe(200);
    expect(strictInt(1, 200).safeParse('201').success).toBe(false);
    expect(strictInt(1, 200).safeParse('0').success).toBe(false);
  });

  it.each(['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '2026-02-30T00:00:00Z'])(
    'refuses the instant %s',
    (text) => {
      expect(isoInstant.safeParse(text).success).toBe(false);
    },
  );

  it('takes instants a timestamptz query can hold', () => {
    expect(isoInstant.parse('2026-12-02T10:00:00+01:00').toISOString()).toBe('2026-12-02T09:00:00.000Z');
    expect(isoInstant.parse('9999-12-31T23:59:59Z').getUTCFullYear()).toBe(9999);
  });

  it('decodes only cursors of a positive BIGINT', () => {
    expect(decodeSeqCursor(cursor('42'))).toBe(42n);
    expect(decodeSeqCursor(cursor('9223372036854775807'))).toBe(9223372036854775807n);
    for (const bad of ['9223372036854775808', '9999999999999999999', '0', '-1', '007', '1 ', 'abc'])
      expect(decodeSeqCursor(cursor(bad))).toBeNull();
    expect(decodeSeqCursor('!!')).toBeNull();
    expect(decodeSeqCursor('A'.repeat(41))).toBeNull();
  });

  it('refuses a repeated query parameter by name rather than passing an array on', () => {
    const schema = z.strictObject({ limit: z.string().optional() });
    expect(() => parseQueryParams(schema, { limit: ['1', '2'] })).toThrow(AppError);
    expect(() => parseQueryParams(schema, { limit: ['1', '2'] })).toThrow("Parameter 'limit' is invalid");
    expect(parseQueryParams(schema, { limit: '1' })).toEqual({ limit: '1' });
  });

  it('decodes percent-escapes without throwing', () => {
    expect(percentDecode('%E0%A4%A')).toBeNull();
    expect(percentDecode('a%20b')).toBe('a b');
  });

  it.each(['[zz', 'bÃ¼cher.example', 'a b', '', 'x'.repeat(256)])('refuses the Host %j with a 400', (host) => {
    expect(() => requestHost(host)).toThrow(expect.objectContaining({ code: 'PARAMETER_INVALID', status: 400 }));
  });

  it('keeps a usable Host', () => {
    expect(requestHost('vendor.example:8443')).toBe('vendor.example:8443');
    expect(requestHost('[::1]:3000')).toBe('[::1]:3000');
  });
});

describe('body charsets', () => {
  it.each([
    ['application/json; charset=UTF-8', 'utf-8'],
    ['application/json;charset="latin1"', 'latin1'],
    ['application/json', undefined],
    [undefined, undefined],
  ])('reads the charset of %j', (contentType, charset) => {
    expect(charsetOf(contentType)).toBe(charset);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.10', ['10.0.0.0/8', '192.168.1.10']],
    ['fd00::/8', ['fd00::/8']],
  ])('reads %j as %j', (text, setting) => {
    expect(trustProxySetting(text)).toEqual(setting);
  });

  it.each(['true', 'everyone', '10.0.0.0/33', '300.1.1.1', '11'])('refuses %j', (text) => {
    expect(String(trustProxySetting(text))).toMatch(/^!/);
    expect(() => loadConfig({ TRUST_PROXY: text })).toThrow(ConfigError);
  });

  it('has worker metrics on loopback unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({}).metricsHost).toBe('127.0.0.1');
    expect(loadConfig({ METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(() => loadConfig({ METRICS_HOST: 'everywhere' })).toThrow(ConfigError);
  });
});

describe('rate-limit windows', () => {
  it('puts new clients in one shared window once the table is full, instead of forgetting everyone', () => {
    const counter = new WindowCounter(60_000);
    const now = 1_000_000;
    for (let i = 0; i < 10_000; i += 1) counter.hit(`client-${i}`, now);
    expect(counter.hit('client-0', now)).toBe(2); // remembered
    expect(counter.hit('new-1', now)).toBe(1);
    expect(counter.hit('new-2', now)).toBe(2); // shares the overflow window
    expect(counter.hit('client-0', now)).toBe(3);
  });

  it('drops expired windows when the table is full', () => {
    const counter = new WindowCounter(1_000);
    for (let i = 0; i < 10_000; i += 1) counter.hit(`client-${i}`, 0);
    expect(counter.hit('late', 5_000)).toBe(1);
    expect(counter.hit('late', 5_000)).toBe(2);
  });
});

describe("answers for the HTTP parser's refusals", () => {
  it('keeps the status Node would have used, with a catalogue body', () => {
    expect(parserError('HPE_HEADER_OVERFLOW').status).toBe(431);
    expect(parserError('HPE_UNEXPECTED_CONTENT_LENGTH')).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
    expect(parserError('HPE_INVALID_METHOD').message).toContain('not an HTTP method');
    expect(parserError(undefined).status).toBe(400);
    const response = rawErrorResponse(parserError('HPE_INVALID_HEADER_TOKEN'), 'req-1');
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { code: string; requestId: string };
    expect(body).toMatchObject({ code: 'MALFORMED_REQUEST', requestId: 'req-1' });
  });
});
