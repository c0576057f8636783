/**
 * Taking a report from the product: checked against the account, deduplicated by its idempotency key, and
 * committed before the product is answered. The same key with the same report is answered as the first time
 * (nothing new is stored or sent); the same key with another report is refused. Delivery is the reports
 * queue's (src/jobs/report.ts): the caller enqueues the returned id after commit, and the sweeper enqueues any
 * report left without a job.
 */
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import { requestHash } from './usage';

export type ReportKind = 'usage' | 'user_sync';

/** What the product is answered with: the same every time the same report is sent again. */
export interface AcceptedReport {
  readonly id: bigint;
  readonly kind: ReportKind;
  readonly accountId: string;
  readonly addonInstanceId: string | null;
  readonly idempotencyKey: string;
  readonly createdAt: Date;
}

export type AcceptOutcome =
  | { readonly outcome: 'accepted' | 'replayed'; readonly report: AcceptedReport }
  | { readonly outcome: 'account_not_found' }
  | { readonly outcome: 'account_not_live'; readonly status: string }
  | { readonly outcome: 'addon_not_found' }
  /** The key names another report (another body, account, add-on or kind). */
  | { readonly outcome: 'key_reused'; readonly report: AcceptedReport };

export interface ReportInput {
  readonly kind: ReportKind;
  readonly accountId: string;
  readonly addonInstanceId: string | null;
  readonly idempotencyKey: string;
  /** The report as validated (its contract's zod output). */
  readonly body: unknown;
}

/** Account states a report is taken in: usage of a suspended account is still owed; a cancelled one is over. */
const LIVE = ['active', 'suspended'];

const COLUMNS = Prisma.sql`id, kind, "accountId", "addonInstanceId", "idempotencyKey", "createdAt", "requestHash"`;

type Row = AcceptedReport & { requestHash: string };
const view = ({ requestHash: _hash, ...report }: Row): AcceptedReport => report;

/** Stores the report unless its key is known (one statement when it is new); see the module comment. */
export async function acceptReport(db: SqlSource, input: ReportInput): Promise<AcceptOutcome> {
  const sql = pooledSql(db);
  const hash = requestHash(input);
  const settle = (row: Row): AcceptOutcome =>
    row.requestHash === hash
      ? { outcome: 'replayed', report: view(row) }
      : { outcome: 'key_reused', report: view(row) };

  const [known] = await sql<Row>(
    Prisma.sql`SELECT ${COLUMNS} FROM marketplace_reports WHERE "idempotencyKey" = ${input.idempotencyKey}`,
  );
  if (known) return settle(known);

  const [state] = await sql<{ inserted: Row | null; accountStatus: string | null; addonFound: boolean }>(Prisma.sql`
    WITH account AS (SELECT id, status::text AS status FROM accounts WHERE id = ${input.accountId}),
    addon AS (
      SELECT id FROM addon_instances
      WHERE id = ${input.addonInstanceId}::text AND "accountId" = ${input.accountId} AND status = 'active'
    ),
    inserted AS (
      INSERT INTO marketplace_reports (kind, "accountId", "addonInstanceId", "idempotencyKey", "requestHash", body)
      SELECT ${input.kind}, a.id, ${input.addonInstanceId}::text, ${input.idempotencyKey}, ${hash}, ${JSON.stringify(input.body)}::jsonb
      FROM account a
      WHERE a.status IN (${Prisma.join(LIVE)})
        AND (${input.addonInstanceId}::text IS NULL OR EXISTS (SELECT 1 FROM addon))
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING ${COLUMNS}
    )
    SELECT (SELECT to_jsonb(i) FROM inserted i) AS inserted,
           (SELECT status FROM account) AS "accountStatus",
           EXISTS (SELECT 1 FROM addon) AS "addonFound"`);
  if (state?.inserted) return { outcome: 'accepted', report: fromJson(state.inserted) };
  if (!state?.accountStatus) return { outcome: 'account_not_found' };
  if (!LIVE.includes(state.accountStatus)) return { outcome: 'account_not_live', status: state.accountStatus };
  if (input.addonInstanceId !== null && !state.addonFound) return { outcome: 'addon_not_found' };
  // The same key was stored a moment ago by a concurrent request: answer as that one was.
  const [raced] = await sql<Row>(
    Prisma.sql`SELECT ${COLUMNS} FROM marketplace_reports WHERE "idempotencyKey" = ${input.idempotencyKey}`,
  );
  if (!raced) throw new Error(`report ${input.idempotencyKey} was neither stored nor found`);
  return settle(raced);
}

/** A row read back through `to_jsonb` (its id a JSON number, its instant ISO text). */
function fromJson(row: Row): Row {
  const raw = row as unknown as Record<string, unknown>;
  return {
    ...row,
    id: BigInt(raw.id as number | string),
    createdAt: new Date(raw.createdAt as string),
  };
}
