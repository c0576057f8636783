/** The catalogue codes a route may answer: its own, and those its parts imply. */
import { HTTP_ERRORS, type HttpErrorCode } from '../../errors/catalogue';
import { AUTH_SCHEMES } from './auth-schemes';
import type { AnyRoute } from './spec';

export const JSON_TYPE = 'application/json';

/** The media type of a route's successful answers (the one its Accept header must allow). */
export function answerType(route: AnyRoute): string {
  const success = Object.entries(route.responses).find(([status]) => Number(status) < 300)?.[1];
  return success?.contentType ?? JSON_TYPE;
}

/** Whether a query parameter must be given (it does not accept being absent). */
export function requiredQuery(route: AnyRoute): string[] {
  const shape = (route.query as { shape?: Record<string, { safeParse(value: unknown): { success: boolean } }> })?.shape;
  return Object.entries(shape ?? {})
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
}

const BODY_CODES: readonly HttpErrorCode[] = [
  'UNSUPPORTED_MEDIA_TYPE',
  'UNSUPPORTED_CHARSET',
  'UNSUPPORTED_CONTENT_ENCODING',
  'PAYLOAD_TOO_LARGE',
  'BODY_MALFORMED',
];

/**
 * Every code the route may answer, in catalogue order: its own (`errors`), its caller check's, what checking
 * its parameters and body may refuse, NOT_ACCEPTABLE for an Accept header without its media type, and
 * INTERNAL_ERROR.
 */
export function codesOf(route: AnyRoute): HttpErrorCode[] {
  const scheme = AUTH_SCHEMES[route.auth];
  const codes = new Set<HttpErrorCode>([
    ...route.errors,
    ...scheme.codes,
    ...(route.method === 'get' ? [] : (scheme.writes ?? [])),
    'INTERNAL_ERROR',
  ]);
  if (answerType(route) === JSON_TYPE) codes.add('NOT_ACCEPTABLE');
  if (route.params || route.query || route.headers) codes.add('PARAMETER_INVALID');
  if (requiredQuery(route).length > 0 || route.headers) codes.add('PARAMETER_MISSING');
  if (route.body) {
    for (const code of BODY_CODES) codes.add(code);
    codes.add(route.body.kind === 'form' ? 'PARAMETER_INVALID' : (route.body.invalid ?? 'VALIDATION_FAILED'));
  }
  return (Object.keys(HTTP_ERRORS) as HttpErrorCode[]).filter((code) => codes.has(code));
}

/** `codesOf`, by HTTP status. */
export function codesByStatus(route: AnyRoute): Map<number, HttpErrorCode[]> {
  const byStatus = new Map<number, HttpErrorCode[]>();
  for (const code of codesOf(route)) {
    const status = HTTP_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}
