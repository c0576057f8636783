/**
 * Keeping a fetched event document on its inbox row, with the fields the admin
 * views filter on (type, flag, account, company). One statement, through the
 * plain-SQL runner (src/db/sql.ts); the callback's documents ride along with the
 * notifications it records (src/inbox/writer.ts).
 */
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import { arrayParameter } from '../db/array-parameter';

export interface DocumentOptions {
  /** Also move a `received` row to `queued` (the caller is about to enqueue it). */
  readonly queued?: boolean;
}

export interface DocumentRow {
  readonly seq: bigint;
  readonly raw: unknown;
  readonly queued: boolean;
}

/**
 * A field copied to a column the admin views filter on: only text that fits the column's index (longer
 * values are left out here; the document itself fails validation and is reported INVALID_RESPONSE).
 */
const text = (value: unknown, max: number): string | null =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;

/**
 * The account an event is filed under: the one its document names; for an add-on's order or cancel as
 * SUBSCRIPTION_ORDER / SUBSCRIPTION_CANCEL with parentAccountIdentifier, the parent (`accountIdentifier` is
 * then the add-on's own), so it runs in order with the parent's events (src/inbox/run.ts). Only text that fits
 * the column's index (see `text`).
 */
export function accountNamedBy(document: unknown): string | null {
  const account = (
    document as { payload?: { account?: { accountIdentifier?: unknown; parentAccountIdentifier?: unknown } } } | null
  )?.payload?.account;
  return text(account?.parentAccountIdentifier, 255) ?? text(account?.accountIdentifier, 255);
}

/**
 * One UPDATE for any number of rows. It never regresses a row a worker already moved on (a duplicate
 * notification may have enqueued it while a request was still fetching): it fills what is missing,
 * and only `received` becomes `queued`.
 */
export async function storeDocuments(
  db: SqlSource,
  rows: readonly DocumentRow[],
  options: { skipLocked?: boolean } = {},
): Promise<void> {
  if (rows.length > 0) await pooledSql(db)(documentsUpdate(rows, options));
}

/** The UPDATE storeDocuments sends (at least one row), also run as a CTE beside a batch of notifications. */
export function documentsUpdate(rows: readonly DocumentRow[], options: { skipLocked?: boolean } = {}): Prisma.Sql {
  // skipLocked: leave out rows another transaction holds (a worker applying the event, which stores the
  // document itself if it lacks one) instead of letting the whole batch wait for that transaction.
  const seqs = rows.map((r) => String(r.seq));
  const onlyUnlocked = options.skipLocked
    ? Prisma.sql`AND events.seq IN (SELECT seq FROM events WHERE seq = ANY(${arrayParameter(seqs, 'bigint')}::bigint[]) FOR UPDATE SKIP LOCKED)`
    : Prisma.empty;
  const docs = rows.map(
    ({ raw }) =>
      (raw && typeof raw === 'object' ? raw : {}) as {
        type?: unknown;
        flag?: unknown;
        payload?: {
          account?: { accountIdentifier?: unknown; parentAccountIdentifier?: unknown };
          company?: { uuid?: unknown; name?: unknown };
        };
      },
  );
  return Prisma.sql`
    UPDATE events SET
      payload = COALESCE(events.payload, d.payload),
      type = COALESCE(events.type, d.type),
      flag = COALESCE(events.flag, d.flag),
      development = events.development OR d.flag IS NOT DISTINCT FROM 'DEVELOPMENT',
      "accountId" = COALESCE(events."accountId", d."accountId"),
      "companyUuid" = COALESCE(events."companyUuid", d."companyUuid"),
      "companyName" = COALESCE(events."companyName", d."companyName"),
      "queuedAt" = CASE WHEN d.queued AND events.status = 'received' THEN now() ELSE events."queuedAt" END,
      status = CASE WHEN d.queued AND events.status = 'received' THEN 'queued'::"EventStatus" ELSE events.status END,
      "updatedAt" = now()
    FROM unnest(
      ${arrayParameter(seqs, 'bigint')},
      ${arrayParameter(
        rows.map((r) => JSON.stringify(r.raw)),
        'jsonb',
      )},
      ${arrayParameter(
        docs.map((d) => text(d.type, 100)),
        'text',
      )},
      ${arrayParameter(
        docs.map((d) => text(d.flag, 100)),
        'text',
      )},
      ${arrayParameter(
        docs.map((d) => accountNamedBy(d)),
        'text',
      )},
      ${arrayParameter(
        docs.map((d) => text(d.payload?.company?.uuid, 255)),
        'text',
      )},
      ${arrayParameter(
        docs.map((d) => text(d.payload?.company?.name, 500)),
        'text',
      )},
      ${arrayParameter(
        rows.map((r) => r.queued),
        'boolean',
      )}
    ) AS d(seq, payload, type, flag, "accountId", "companyUuid", "companyName", queued)
    WHERE events.seq = d.seq
      ${onlyUnlocked}`;
}

/** Keeps one event's document (see storeDocuments). */
export function storeDocument(db: SqlSource, seq: bigint, raw: unknown, options: DocumentOptions = {}): Promise<void> {
  return storeDocuments(db, [{ seq, raw, queued: options.queued ?? false }]);
}
