/**
 * The CLI's side of the admin API: which service and token, one call, and the CLI's failures with their
 * exit statuses (1: the service refused or could not be reached, 2: the command line is wrong).
 */

/** A failure to report: `code` is the API's error code (or CONNECTION_FAILED, USAGE…), `exitCode` 1 or 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 'FAILED',
    readonly action = '',
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) =>
  new CliError(message, 'USAGE', 'See appdirect-provisioner-admin --help.', 2);

export interface Connection {
  readonly url: string;
  readonly token: string;
}

/**
 * --url (else ADMIN_URL, else the local API on $PORT) and --token (else ADMIN_TOKEN; of `name:token,…`
 * the first token).
 */
export function connectionOf(
  options: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const first = (options.token ?? env.ADMIN_TOKEN ?? '').split(',')[0]?.trim() ?? '';
  const token = first.includes(':') ? first.slice(first.indexOf(':') + 1) : first;
  if (!token)
    throw new CliError(
      'no admin token: pass --token or set ADMIN_TOKEN',
      'ADMIN_TOKEN_MISSING',
      'Pass --token or set ADMIN_TOKEN.',
      2,
    );
  return { url: options.url ?? env.ADMIN_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`, token };
}

export type Json = Record<string, unknown>;

/** One admin API call; an error answer becomes a CliError carrying the API's code, message and action. */
export async function call(
  connection: Connection,
  method: string,
  path: string,
  body?: unknown,
  /** Another API of the service than the admin one (`/product/api`), with its own token and headers. */
  api: { base: string; token: string; headers?: Record<string, string> } = {
    base: '/admin/api',
    token: connection.token,
  },
): Promise<Json> {
  let response: Response;
  try {
    response = await fetch(`${connection.url.replace(/\/$/, '')}${api.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${api.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...api.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(
      `cannot reach ${connection.url}: ${(error as Error).message}`,
      'CONNECTION_FAILED',
      'Check --url / ADMIN_URL and that the API runs.',
    );
  }
  const json = (await response.json().catch(() => ({}))) as Json;
  if (response.status >= 400) {
    const code = String(json.code ?? response.status);
    const message = String(json.message ?? response.statusText);
    const action = String(json.action ?? '');
    throw new CliError(`${code}: ${message}${action ? `\n  ${action}` : ''}`, code, action);
  }
  return json;
}
