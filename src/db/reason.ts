/**
 * PostgreSQL's (or TLS's) own reason for refusing a connection, with what to do about it. Prisma words
 * many of these as "User was denied access on the database", which hides, for instance, that pg_hba.conf
 * only lets encrypted connections in.
 */

interface Found {
  readonly code: string | undefined;
  readonly message: string;
}

/** The innermost error that carries the driver's or server's own words: pg errors, TLS errors, Prisma adapter causes. */
function originalError(error: unknown): Found | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let best: Found | null = null;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const record = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: { cause?: Record<string, unknown> } };
    };
    const adapterCause = record.meta?.driverAdapterError?.cause;
    if (adapterCause) {
      const message = adapterCause.originalMessage ?? adapterCause.reason ?? adapterCause.message;
      if (typeof message === 'string')
        return { code: typeof adapterCause.originalCode === 'string' ? adapterCause.originalCode : undefined, message };
    }
    if (typeof record.message === 'string' && record.message !== '') {
      best = { code: typeof record.code === 'string' ? record.code : undefined, message: record.message };
    }
    current = record.cause;
  }
  return best;
}

const RULES: ReadonlyArray<{ test: (found: Found) => boolean; action: string }> = [
  {
    test: ({ message }) => /no pg_hba\.conf entry .*no encryption/i.test(message),
    action:
      'the server only accepts encrypted connections: add sslmode=require (or sslmode=verify-full&sslrootcert=<CA file>) to the URL',
  },
  {
    test: ({ message }) => /no pg_hba\.conf entry/i.test(message),
    action:
      "the server's pg_hba.conf has no line for this host, user and database: ask the database's administrator, or check host, user and database in the URL",
  },
  {
    test: ({ message }) => /does not support SSL/i.test(message),
    action:
      'the URL asks for TLS (sslmode) but the server does not offer it: use sslmode=disable only if the network is private, or enable ssl on the server',
  },
  {
    test: ({ code, message }) =>
      /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/.test(code ?? '') ||
      /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer/i.test(message),
    action:
      "the server's certificate is not signed by a CA this service trusts: give the CA with sslrootcert=<file> (your provider publishes it), or use sslmode=require to encrypt without verifying",
  },
  {
    test: ({ code, message }) =>
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
      /does not match certificate's altnames|Hostname\/IP does not match/i.test(message),
    action:
      "the server's certificate is for another host name: connect by the name on the certificate, or use sslmode=verify-ca to check the CA only",
  },
  {
    test: ({ code, message }) => code === 'CERT_HAS_EXPIRED' || /certificate has expired/i.test(message),
    action: "the server's certificate has expired: renew it on the server",
  },
  {
    test: ({ code, message }) => code === '28P01' || /password authentication failed/i.test(message),
    action: 'check the user and password in the URL (a password with @ : / ? # must be percent-encoded)',
  },
  {
    test: ({ code }) => code === '3D000',
    action: 'the database in the URL does not exist: create it, or fix the name',
  },
  {
    test: ({ code, message }) => code === '42501' || /permission denied/i.test(message),
    action:
      "the role lacks a privilege: grant the app role DML rights (docs/deploy.md, 'Managed PostgreSQL and Redis')",
  },
  {
    test: ({ code }) => code === '53300',
    action:
      'the server has no connection slot left: lower DATABASE_POOL_SIZE or the number of processes, or put PgBouncer in front (docs/deploy.md)',
  },
];

/**
 * "PostgreSQL refused: <its words> — <what to do>" when the error is one of the refusals
 * an operator fixes in the URL or on the server; null otherwise (an outage, a bad statement).
 */
export function databaseRefusalReason(error: unknown): string | null {
  const found = originalError(error);
  if (!found) return null;
  const rule = RULES.find((candidate) => candidate.test(found));
  return rule ? `PostgreSQL refused: ${found.message.split('\n')[0]} -- ${rule.action}` : null;
}

/** One line for logs and /status: the refusal reason when there is one, else the error's first line. */
export function describeDatabaseError(error: unknown): string {
  return (
    databaseRefusalReason(error) ??
    (error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error))
  );
}
