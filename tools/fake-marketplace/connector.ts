/**
 * AppDirect's synchronous calls to a connector, sent as AppDirect sends them (signed like notifications,
 * ./notify.ts): the restrictions question before a sale, the migration, the domain association calls.
 */
import { signedRequest, type NotifyAuth } from './notify';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POSTs a JSON body to `path` on the service, signed with `auth` (the body is not part of an OAuth signature). */
export async function askConnector(
  serviceUrl: string,
  path: string,
  query: Record<string, string>,
  body: unknown,
  auth: NotifyAuth,
): Promise<Answer> {
  const request = signedRequest('POST', new URL(path, serviceUrl), query, auth);
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { ...request.headers, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: response.status, body: { raw: text } };
  }
}

/** The restrictions question (the SDK's RestrictionInfo) for `partner`, on /api/v1 or /api/v2. */
export function askRestrictions(
  serviceUrl: string,
  info: Record<string, unknown>,
  auth: NotifyAuth,
  { partner = 'APPDIRECT', version = 'v2' }: { partner?: string; version?: 'v1' | 'v2' } = {},
): Promise<Answer> {
  return askConnector(serviceUrl, `/api/${version}/restrictions`, { partner }, info, auth);
}

/** AppDirect's migration: validate vendor fields, or bring a subscription in (v1 or v2). */
export function askMigration(
  serviceUrl: string,
  step: 'validateCustomerAccount' | 'validateSubscription' | 'subscription',
  body: Record<string, unknown>,
  auth: NotifyAuth,
  version: 'v1' | 'v2' = 'v2',
): Promise<Answer> {
  return askConnector(serviceUrl, `/api/${version}/migration/${step}`, {}, body, auth);
}

/** A domain association call (GET records, POST a domain or a verification, DELETE a domain), v2. */
export async function domainCall(
  serviceUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  customerIdentifier: string,
  rest: string,
  query: Record<string, string>,
  auth: NotifyAuth,
  body?: unknown,
): Promise<Answer> {
  const path = `/api/v2/domainassociation/customers/${encodeURIComponent(customerIdentifier)}/domains${rest}`;
  if (body !== undefined) return askConnector(serviceUrl, path, query, body, auth);
  // oauth-1.0a signs any method name as given; the type only lists the two notifications use.
  const request = signedRequest(method as 'GET', new URL(path, serviceUrl), query, auth);
  const response = await fetch(request.url, { method, headers: request.headers });
  const text = await response.text();
  try {
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  } catch {
    return { status: response.status, body: { raw: text } };
  }
}
