/**
 * Sending a route's documented example to the running service, and checking the answer against what the
 * route table declares for its status (test/integration/route-contract.test.ts).
 */
import type { z } from 'zod';
import { codesByStatus, JSON_TYPE } from '../../src/http/route-table/codes';
import { errorBodySchema } from '../../src/http/route-table/openapi';
import type { AnyRoute, Example, Surface } from '../../src/http/route-table/spec';

/** The parts of a zod v4 definition the walk below reads. */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly getter?: () => z.ZodType;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Where `value` holds a field `schema` does not declare (zod's objects strip those silently): a response
 * whose shape the document does not describe fails the contract like a wrong type does.
 */
export function undeclaredFields(schema: z.ZodType, value: unknown, at = '$'): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null) return [];
      const open = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
      return Object.entries(value).flatMap(([key, field]) => {
        const declared = def.shape![key];
        if (declared) return undeclaredFields(declared, field, `${at}.${key}`);
        return open ? [] : [`${at}.${key}`];
      });
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => undeclaredFields(def.element!, item, `${at}[${i}]`))
        : [];
    case 'record':
      return typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([key, field]) => undeclaredFields(def.valueType!, field, `${at}.${key}`))
        : [];
    case 'union': {
      const fitting = def.options!.filter((option) => option.safeParse(value).success);
      const found = fitting.map((option) => undeclaredFields(option, value, at));
      return found.find((fields) => fields.length === 0) ?? found[0] ?? [];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return value === null || value === undefined ? [] : undeclaredFields(def.innerType!, value, at);
    case 'pipe':
      return undeclaredFields(def.in!, value, at);
    case 'lazy':
      return undeclaredFields(def.getter!(), value, at);
    default:
      return [];
  }
}

/** The values an example's state provides, put in place of the example's own. */
export type StateValues = Readonly<Record<string, string>>;

const substitute = <T extends object | undefined>(values: T, state: StateValues): T =>
  values && (Object.fromEntries(Object.entries(values).map(([key, value]) => [key, state[key] ?? value])) as T);

export interface SentExample {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

/** Sends `example` of `route` (on `surface`) to `serviceUrl` with `authorization` (or none). */
export async function sendExample(
  serviceUrl: string,
  surface: Surface,
  route: AnyRoute,
  example: Example,
  state: StateValues,
  authorization: string | undefined,
): Promise<SentExample> {
  const params = substitute(example.params, state) ?? {};
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const query = new URLSearchParams(substitute(example.query, state) ?? {}).toString();
  const body =
    example.body && typeof example.body === 'object' ? substitute(example.body as object, state) : example.body;
  const form = route.body?.kind === 'form';
  const headers: Record<string, string> = { ...substitute(example.headers, state) };
  if (authorization) headers.authorization = authorization;
  if (route.body) headers['content-type'] = form ? 'application/x-www-form-urlencoded' : JSON_TYPE;
  const response = await fetch(`${serviceUrl}${surface.base}${path}${query ? `?${query}` : ''}`, {
    method: route.method.toUpperCase(),
    headers,
    body: !route.body
      ? undefined
      : form
        ? new URLSearchParams((body ?? {}) as Record<string, string>).toString()
        : JSON.stringify(body ?? {}),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, contentType, body: contentType.startsWith(JSON_TYPE) ? JSON.parse(text) : text };
}

/**
 * What is wrong with `answer` for `route`: a status it does not declare, a media type or body its schema for
 * that status does not describe (a field too many included), a refusal code it does not list for that status.
 */
export function contractProblems(route: AnyRoute, answer: SentExample): string[] {
  const declared = route.responses[answer.status];
  const codes = codesByStatus(route).get(answer.status);
  if (!declared && !codes) return [`status ${answer.status} is not declared`];
  const type = declared ? (declared.contentType ?? JSON_TYPE) : JSON_TYPE;
  if (!answer.contentType.startsWith(type)) return [`answered ${answer.contentType}, declared ${type}`];
  const schema = declared ? declared.schema : (route.errorBody?.schema ?? errorBodySchema);
  const parsed = schema.safeParse(answer.body);
  const problems = parsed.success
    ? undeclaredFields(schema, answer.body).map((field) => `${field} is not declared`)
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  const code = (answer.body as { code?: unknown }).code;
  if (codes && !codes.includes(code as never))
    problems.push(`code ${String(code)} is not declared for ${answer.status}`);
  return problems;
}
