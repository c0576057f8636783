/**
 * The one place where untrusted request text becomes data. Every check here answers with the
 * catalogue's PARAMETER_INVALID (400) naming the parameter, so nothing an HTTP caller sends reaches a
 * query it cannot be stored or compared in: PostgreSQL refuses NUL in text and unpaired surrogates in
 * UTF-8, BIGINT and INTEGER columns have ranges, and `timestamptz` has one too.
 */
import { z } from 'zod';
import { AppError } from '../errors/app-error';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot go into a query, or null when it can. */
export function unsafeTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired surrogate';
  return null;
}

/** A string PostgreSQL can store and compare: no NUL, no unpaired surrogate, 1..max characters. */
export function safeText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const reason = unsafeTextReason(text);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    });
}

/**
 * A path parameter (an event token, an account id) a query can take: 1..max characters PostgreSQL can
 * store. Its refusals read "is missing", "is longer than N characters" or what the text holds.
 */
export function pathParam(max = 200) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const reason =
        value === '' ? 'is missing' : value.length > max ? `is longer than ${max} characters` : unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    })
    .meta({ minLength: 1, maxLength: max });
}

/** Checks one path parameter outside a route table (the admin page's routes). */
export function pathText(name: string, value: unknown, max = 200): string {
  const parsed = pathParam(max).safeParse(value);
  if (parsed.success) return parsed.data;
  const reason = typeof value === 'string' ? (parsed.error.issues[0]?.message ?? 'is invalid') : 'is missing';
  throw new AppError('PARAMETER_INVALID', { name, reason });
}

/**
 * A strict decimal integer from text or a JSON number, in [min, max]. `0x10`, `1e3`, ` 5`, `+5`, `5.0`
 * and `''` are refused: `Number()` would read them all.
 */
export function strictInt(min: number, max: number) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const text = typeof value === 'number' ? String(value) : value;
      if (!/^-?(0|[1-9]\d{0,15})$/.test(text)) {
        ctx.addIssue({ code: 'custom', message: 'must be a decimal integer' });
        return z.NEVER;
      }
      const parsed = Number(text);
      if (parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return parsed;
    })
    .meta({ type: 'integer', minimum: min, maximum: max });
}

/** PostgreSQL `timestamptz` spans 4713 BC to 294276 AD; the admin API takes years 1970..9999. */
const EARLIEST_MS = Date.UTC(1970, 0, 1);
const LATEST_MS = Date.UTC(10000, 0, 1) - 1;

/** An ISO 8601 date-time with an offset, range-checked against what a `timestamptz` query can take. */
export const isoInstant = z.iso.datetime({ offset: true }).transform((value, ctx) => {
  const date = new Date(value);
  const ms = date.getTime();
  if (Number.isNaN(ms) || ms < EARLIEST_MS || ms > LATEST_MS) {
    ctx.addIssue({ code: 'custom', message: 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z' });
    return z.NEVER;
  }
  return date;
});

/** Largest value of a PostgreSQL BIGINT (the `seq` column a cursor points into). */
export const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** An opaque cursor: base64url of a positive `seq` inside BIGINT; null when it is not one this API gave. */
export function decodeSeqCursor(cursor: string): bigint | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,18}$/.test(text)) return null;
  const seq = BigInt(text);
  return seq <= BIGINT_MAX ? seq : null;
}

/** Zod issues -> the catalogue's 400 naming the first bad field. */
export function parameterError(issues: readonly z.core.$ZodIssue[]): AppError {
  const issue = issues[0];
  if (!issue) return new AppError('PARAMETER_INVALID', { name: '?', reason: 'invalid' });
  if (issue.code === 'unrecognized_keys')
    return new AppError('PARAMETER_INVALID', { name: issue.keys[0] ?? '?', reason: 'not a known parameter' });
  return new AppError('PARAMETER_INVALID', { name: String(issue.path[0] ?? '?'), reason: issue.message });
}

/** Whether `name` must be given: a declared field that does not accept being absent. */
function isRequired(schema: z.ZodType, name: string): boolean {
  const field = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>)[name] : undefined;
  return field !== undefined && !field.safeParse(undefined).success;
}

/**
 * Validates path parameters or a parsed query string with `schema`. A parameter given twice
 * (`?limit=1&limit=2`) arrives as an array: a declared one is refused by name rather than reaching code
 * that expects one string (a loose schema lets undeclared ones through untouched). A required parameter
 * absent or empty is PARAMETER_MISSING; anything else wrong PARAMETER_INVALID naming the first bad one.
 */
export function parseQueryParams<T>(schema: z.ZodType<T>, query: unknown): T {
  const source = (query ?? {}) as Record<string, unknown>;
  const declared = schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
  const strict = schema instanceof z.ZodObject && schema._zod.def.catchall?._zod.def.type === 'never';
  for (const [name, value] of Object.entries(source)) {
    if (typeof value !== 'string' && (strict || declared.includes(name)))
      throw new AppError('PARAMETER_INVALID', {
        name: name.slice(0, 100),
        reason: 'must be given once, as plain text',
      });
  }
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const name = parsed.error.issues[0]?.path[0];
  if (typeof name === 'string' && (source[name] === undefined || source[name] === '') && isRequired(schema, name))
    throw new AppError('PARAMETER_MISSING', { name });
  throw parameterError(parsed.error.issues);
}

/** Decodes a percent-encoded value; null (never a throw) when the escape is broken. */
export function percentDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * The request's host (Host, or X-Forwarded-Host behind a trusted proxy) when it can be part of a URL:
 * printable ASCII that the URL parser accepts. Anything else is a 400 naming the header, not a throw
 * while the signature base string is built.
 */
export function requestHost(host: string | undefined): string {
  if (!host || !/^[\x21-\x7e]{1,255}$/.test(host))
    throw new AppError('PARAMETER_INVALID', { name: 'Host', reason: 'is not a host name' });
  try {
    return new URL(`http://${host}`).host;
  } catch {
    throw new AppError('PARAMETER_INVALID', { name: 'Host', reason: 'is not a host name' });
  }
}
