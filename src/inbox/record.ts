/**
 * Writing notifications into the inbox. One row per event token; a repeat
 * notification finds the existing row. The OAuth 1.0a nonce, when there is one,
 * is written in the same statement, so a replay is refused and leaves nothing behind.
 * Statements go through the plain-SQL runner (src/db/sql.ts): through Prisma's client the
 * same statement cost the callback about four times the CPU.
 */
import { Prisma, type Event, type PrismaClient } from '../db/client';
import { pooledSql, type Sql } from '../db/sql';
import { NonceReplayedError } from '../errors/internal';
import { arrayParameter } from '../db/array-parameter';

export interface NonceRecord {
  readonly consumerKey: string;
  readonly nonce: string;
  readonly timestamp: number;
}

export interface NewNotification {
  readonly token: string;
  readonly eventUrl: string;
  readonly marketplaceBaseUrl: string;
  /** The OAuth 1.0a consumer key that signed the notification: the fetch is signed with the same product's key. */
  readonly consumerKey?: string;
  readonly nonce?: NonceRecord;
}

/** The inbox fields the callback needs to answer. */
export type InboxRow = Pick<Event, 'seq' | 'token' | 'status' | 'result' | 'consumerKey'>;

/** What recording a notification gives its caller: its inbox row, and whether this call created it. */
export type RecordOutcome = { event: InboxRow; created: boolean };
/** A notification to record, with how to insert it. */
export interface RecordRequest extends NewNotification {
  /** Insert the row already `queued`: the caller enqueues it next without fetching first. */
  readonly queued: boolean;
}

/**
 * Records notifications (and their nonces) in one statement and commits: an event row is only inserted
 * when its nonce is new, so a replay leaves nothing behind. One outcome per request, in order: its inbox
 * row and whether this call created it, or NonceReplayedError for a replay. `alongside` is one more
 * data-modifying CTE (`name AS (...)`) run in the same statement (src/inbox/writer.ts: the documents
 * fetched meanwhile), so a burst costs one round trip and one commit.
 */
export async function recordNotifications(
  sql: Sql,
  items: readonly RecordRequest[],
  alongside?: Prisma.Sql,
): Promise<Array<RecordOutcome | Error>> {
  // A token or nonce twice in one batch: the later item is settled after the statement
  // (its token then exists; its nonce is a replay) — one statement must not see a key twice.
  const tokens = new Set<string>();
  const nonces = new Set<string>();
  const unique: Array<{ item: RecordRequest; index: number }> = [];
  const repeats: Array<{ item: RecordRequest; index: number; replay: boolean }> = [];
  items.forEach((item, index) => {
    // A nonce is single-use per consumer key, whatever timestamp it comes with.
    const nonceKey = item.nonce ? JSON.stringify([item.nonce.consumerKey, item.nonce.nonce]) : null;
    if (tokens.has(item.token) || (nonceKey !== null && nonces.has(nonceKey))) {
      repeats.push({ item, index, replay: nonceKey !== null && nonces.has(nonceKey) });
      return;
    }
    tokens.add(item.token);
    if (nonceKey !== null) nonces.add(nonceKey);
    unique.push({ item, index });
  });

  const outcomes: Array<RecordOutcome | Error> = new Array<RecordOutcome | Error>(items.length);
  const rows = await sql<BatchRow>(
    insertStatement(
      unique.map(({ item }) => item),
      alongside,
    ),
  );
  const lookups: number[] = [];
  unique.forEach(({ index }, position) => {
    const row = rows[position];
    if (!row || !row.nonce_ok) {
      outcomes[index] = new NonceReplayedError();
    } else if (row.created) {
      outcomes[index] = { event: inboxRowOf(row), created: true };
    } else if (row.seq !== null) {
      outcomes[index] = { event: inboxRowOf(row), created: false };
    } else {
      lookups.push(index); // inserted by a concurrent statement that committed after ours started
    }
  });
  for (const { item, index, replay } of repeats) {
    if (replay) {
      outcomes[index] = new NonceReplayedError();
      continue;
    }
    // The same token twice in one batch: the later notification's own nonce is still spent, as it
    // would have been on its own (rare path, one statement of its own).
    if (item.nonce) {
      try {
        await insertNonce(sql, item.nonce);
      } catch (error) {
        outcomes[index] = error instanceof Error ? error : new Error(String(error));
        continue;
      }
    }
    lookups.push(index);
  }
  for (const index of lookups) {
    const { token } = items[index] as RecordRequest;
    const [existing] = await sql<InboxRow>(Prisma.sql`
      SELECT seq, token, status::text AS status, result, "consumerKey" FROM events WHERE token = ${token}`);
    outcomes[index] = existing ? { event: existing, created: false } : new Error(`inbox: no event ${token}`);
  }
  return outcomes;
}

/**
 * One row per item (at least one), in order: `created` when this statement inserted the event; otherwise
 * the row that existed before it (if any); `nonce_ok` false for a replayed nonce.
 */
function insertStatement(items: readonly RecordRequest[], alongside: Prisma.Sql | undefined): Prisma.Sql {
  const also = alongside ? Prisma.sql`, ${alongside}` : Prisma.empty;
  const column = <K extends keyof RecordRequest>(key: K) => items.map((item) => item[key] ?? null);
  return Prisma.sql`
    WITH input AS (
      SELECT * FROM unnest(
        ${arrayParameter(column('token'), 'text')}, ${arrayParameter(column('eventUrl'), 'text')}, ${arrayParameter(column('marketplaceBaseUrl'), 'text')},
        ${arrayParameter(column('consumerKey'), 'text')}, ${arrayParameter(
          items.map((i) => i.nonce?.consumerKey ?? null),
          'text',
        )},
        ${arrayParameter(
          items.map((i) => i.nonce?.nonce ?? null),
          'text',
        )}, ${arrayParameter(
          items.map((i) => (i.nonce ? String(i.nonce.timestamp) : null)),
          'bigint',
        )},
        ${arrayParameter(column('queued'), 'boolean')}
      ) WITH ORDINALITY AS input(token, "eventUrl", "marketplaceBaseUrl", "consumerKey", "nonceKey", nonce, ts, queued, ord)
    ), fresh_nonce AS (
      INSERT INTO oauth_nonces ("consumerKey", nonce, "timestamp")
      SELECT "nonceKey", nonce, ts FROM input WHERE nonce IS NOT NULL
      ON CONFLICT DO NOTHING
      RETURNING "consumerKey", nonce
    ), checked AS (
      SELECT input.*, (input.nonce IS NULL OR EXISTS (
        SELECT 1 FROM fresh_nonce f WHERE f."consumerKey" = input."nonceKey" AND f.nonce = input.nonce
      )) AS nonce_ok FROM input
    ), inserted AS (
      INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", "consumerKey", status, "queuedAt", "updatedAt")
      SELECT token, "eventUrl", "marketplaceBaseUrl", "consumerKey",
             CASE WHEN queued THEN 'queued' ELSE 'received' END::"EventStatus", CASE WHEN queued THEN now() END, now()
      FROM checked WHERE nonce_ok ORDER BY ord
      ON CONFLICT (token) DO NOTHING
      RETURNING seq, token, status::text AS status, result, "consumerKey"
    )${also}
    SELECT checked.nonce_ok, (inserted.seq IS NOT NULL) AS created,
           COALESCE(inserted.seq, existing.seq) AS seq, checked.token,
           COALESCE(inserted.status, existing.status::text) AS status,
           COALESCE(inserted.result, existing.result) AS result,
           COALESCE(inserted."consumerKey", existing."consumerKey") AS "consumerKey"
    FROM checked
    LEFT JOIN inserted ON inserted.token = checked.token
    LEFT JOIN events existing ON existing.token = checked.token
    ORDER BY checked.ord`;
}

interface BatchRow {
  nonce_ok: boolean;
  created: boolean;
  seq: bigint | null;
  token: string;
  status: string | null;
  result: Event['result'];
  consumerKey: string | null;
}

function inboxRowOf(row: BatchRow): InboxRow {
  return {
    seq: row.seq as bigint,
    token: row.token,
    status: row.status as InboxRow['status'],
    result: row.result,
    consumerKey: row.consumerKey,
  };
}

/** Records only the nonce (probe notifications carry no event to keep); NonceReplayedError for a replay. */
export function recordNonce(prisma: PrismaClient, nonce: NonceRecord): Promise<void> {
  return insertNonce(pooledSql(prisma), nonce);
}

async function insertNonce(sql: Sql, nonce: NonceRecord): Promise<void> {
  const inserted = await sql(Prisma.sql`
    INSERT INTO oauth_nonces ("consumerKey", nonce, "timestamp")
    VALUES (${nonce.consumerKey}, ${nonce.nonce}, ${BigInt(nonce.timestamp)})
    ON CONFLICT DO NOTHING
    RETURNING 1 AS inserted`);
  if (inserted.length === 0) throw new NonceReplayedError();
}

/**
 * Deletes nonces older than the timestamp window can accept; returns how many. Their age is measured on the
 * clock that stamped them (the database's `now()`), so it is one clock whatever the hosts' clocks say.
 */
export async function purgeExpiredNonces(prisma: PrismaClient, olderThanSeconds = 900): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM oauth_nonces WHERE "seenAt" < now() - make_interval(secs => ${olderThanSeconds}::float8)`;
}
