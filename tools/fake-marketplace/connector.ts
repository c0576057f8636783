/**
 * AppDirect's synchronous questions to a connector, sent as AppDirect sends them (signed like notifications,
 * ./notify.ts): the restrictions question before a sale.
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
