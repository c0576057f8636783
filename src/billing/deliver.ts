/**
 * Delivering a stored report to the account's marketplace, in the account's order, every attempt recorded.
 * The call is signed like a result POST (the consumer key of the account's product, else OAuth 2.0 client
 * credentials). Network errors, timeouts, 5xx and 429 are retried with the reports policy (the results' one);
 * another 4xx marks the report failed for an operator to look at.
 *
 * Exactly once: a report is claimed with a lease (no second attempt starts while one may be in flight, even
 * from a worker that lost its job lock), and its delivery is recorded in the statement that releases it, kept
 * trying while PostgreSQL is away. What is left is the moment between the marketplace's answer and that record:
 * a worker killed there sends the report again. The v1 billing API takes no idempotency key, so that window is
 * closed only where the metered-usage v2 API is used (APPDIRECT_USAGE_API=v2): every attempt sends the report's
 * own key, and the answer "Entry ALREADY exists with idempotencyKey" is taken as delivered.
 */
import type { Config } from '../config';
import { Prisma } from '../db/client';
import { untilRecorded } from '../db/failures';
import { pooledSql, type SqlSource } from '../db/sql';
import { DeliveryRetryError, describeFailure, MarketplaceError } from '../errors/internal';
import type { MarketplaceClient } from '../marketplace/client';
import type { ReportKind } from './accept';
import { userSyncBody, type UserSync } from './user-sync';
import { ALREADY_REPORTED, billingV1Body, meteredUsageV2Body, type UsageReport } from './usage';

export type ReportOutcome =
  | { readonly outcome: 'delivered' | 'rejected' | 'failed'; readonly next: bigint | null }
  | { readonly outcome: 'nothing_to_do' }
  /** An earlier report of the account is owed, or an attempt holds this one: look again after `retryInMs`. */
  | { readonly outcome: 'waiting'; readonly retryInMs: number };

export interface ReportDeps {
  readonly db: SqlSource;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect'>;
}

interface Claimed {
  readonly id: bigint;
  readonly kind: ReportKind;
  readonly body: unknown;
  readonly attempts: number;
  readonly accountId: string;
  readonly addonInstanceId: string | null;
  readonly idempotencyKey: string;
  readonly marketplaceBaseUrl: string;
  readonly development: boolean;
  readonly consumerKey: string | null;
}

/** How long a job waits for an earlier report of its account; that report wakes it when it is settled. */
const WAIT_FOR_EARLIER_MS = 30_000;

/** The call a report makes: where, what, and how the marketplace's answer reads. */
interface Call {
  readonly target: string;
  readonly url: string;
  readonly json: string;
  /** A refusal that says the marketplace has the report already (an idempotency key it knows). */
  readonly alreadyTaken?: (status: number, answer: string) => boolean;
}

function callOf(report: Claimed, config: ReportDeps['config']): Call {
  const base = report.marketplaceBaseUrl.replace(/\/+$/, '');
  switch (report.kind) {
    case 'usage':
      if (config.appdirect.usageApi === 'v2')
        return {
          target: 'metered_usage_v2',
          url: `${base}${config.appdirect.meteredUsagePath}`,
          json: meteredUsageV2Body(report.body as UsageReport, {
            accountIdentifier: report.accountId,
            addonInstanceId: report.addonInstanceId,
            idempotencyKey: report.idempotencyKey,
            billable: !report.development,
          }),
          // The SDK reads this text in the error answer whatever its status (retryableReportUsage).
          alreadyTaken: (status, answer) => status >= 400 && status < 500 && answer.includes(ALREADY_REPORTED),
        };
      return {
        target: 'billing_v1',
        url: `${base}/api/integration/v1/billing/usage`,
        json: billingV1Body(report.body as UsageReport, report.accountId, report.addonInstanceId),
      };
    case 'user_sync':
      return {
        target: 'user_sync',
        url: `${base}/api/sync/v1/tasks`,
        json: userSyncBody(report.body as UserSync, report.accountId),
      };
  }
}

/** One attempt at report `id` (see the module comment). Throws DeliveryRetryError when another may succeed. */
export async function deliverReport(
  deps: ReportDeps,
  id: bigint,
  options: { readonly isLastAttempt: boolean },
): Promise<ReportOutcome> {
  const sql = pooledSql(deps.db);
  const leaseMs = deps.marketplace.timeoutMs + 5_000;
  const [report] = await sql<Claimed>(Prisma.sql`
    UPDATE marketplace_reports r SET "leaseUntil" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
    FROM accounts a
    WHERE r.id = ${id} AND r.status = 'pending' AND a.id = r."accountId"
      AND (r."leaseUntil" IS NULL OR r."leaseUntil" < now())
      AND NOT EXISTS (
        SELECT 1 FROM marketplace_reports e WHERE e."accountId" = r."accountId" AND e.status = 'pending' AND e.id < r.id)
    RETURNING r.id, r.kind, r.body, r.attempts, r."accountId", r."addonInstanceId", r."idempotencyKey",
      a."marketplaceBaseUrl", a.development, (SELECT e."consumerKey" FROM events e WHERE e.token = a."createdByEventToken") AS "consumerKey"`);
  if (!report) return whyNotClaimed(deps.db, id);

  const consumer = report.consumerKey
    ? deps.config.appdirect.consumerCredentials.find((c) => c.key === report.consumerKey)
    : undefined;
  const call = callOf(report, deps.config);
  const startedAt = new Date();
  let httpStatus: number | null = null;
  let failure: MarketplaceError | null = null;
  try {
    const answer = await deps.marketplace.postJson(call.url, call.json, { consumer });
    httpStatus = answer.status;
    if ((answer.status < 200 || answer.status > 299) && !call.alreadyTaken?.(answer.status, answer.answer))
      failure = new MarketplaceError(
        'http',
        `POST ${call.url} answered ${answer.status}: ${answer.answer.slice(0, 200)}`,
        answer.status,
      );
  } catch (error) {
    failure =
      error instanceof MarketplaceError
        ? error
        : new MarketplaceError('network', (error as Error).message, undefined, { cause: error });
  }
  const permanent = failure !== null && !failure.transient;
  const status = failure === null ? 'delivered' : permanent || options.isLastAttempt ? 'failed' : 'pending';
  const error = failure ? describeFailure(failure) : null;
  const now = new Date();
  const record = () =>
    sql<{ next: bigint | null }>(Prisma.sql`
      WITH attempt AS (
        INSERT INTO marketplace_report_attempts ("reportId", attempt, target, "httpStatus", error, "startedAt", "durationMs")
        VALUES (${report.id}, ${report.attempts + 1}, ${call.target}, ${httpStatus}, ${error}, ${startedAt},
                ${now.getTime() - startedAt.getTime()})
      ), settled AS (
        UPDATE marketplace_reports SET
          attempts = attempts + 1,
          -- An operator's cancel during the attempt stands unless the marketplace took the report.
          status = CASE WHEN status = 'cancelled' AND ${status} <> 'delivered' THEN status ELSE ${status}::"ReportStatus" END,
          "lastError" = ${error},
          "leaseUntil" = NULL,
          "deliveredAt" = ${failure === null ? now : null},
          "updatedAt" = ${now}
        WHERE id = ${report.id}
      )
      SELECT (SELECT min(id) FROM marketplace_reports
              WHERE "accountId" = ${report.accountId} AND status = 'pending' AND id > ${report.id}) AS next`);
  if (failure === null) {
    // The marketplace has the report: losing that fact now would send it again.
    let next: bigint | null = null;
    await untilRecorded(async () => {
      next = (await record())[0]?.next ?? null;
    });
    return { outcome: 'delivered', next };
  }
  const [settled] = await record();
  if (status === 'pending') throw new DeliveryRetryError(failure.message, { cause: failure });
  return { outcome: permanent ? 'rejected' : 'failed', next: settled?.next ?? null };
}

/** A report not claimed: settled already, held by an attempt in flight, or behind an earlier one of its account. */
async function whyNotClaimed(db: SqlSource, id: bigint): Promise<ReportOutcome> {
  const [row] = await pooledSql(db)<{ status: string; leaseMs: number | null; earlier: boolean }>(Prisma.sql`
    SELECT r.status::text AS status,
      CEIL(EXTRACT(EPOCH FROM (r."leaseUntil" - now())) * 1000)::int AS "leaseMs",
      EXISTS (SELECT 1 FROM marketplace_reports e
              WHERE e."accountId" = r."accountId" AND e.status = 'pending' AND e.id < r.id) AS earlier
    FROM marketplace_reports r WHERE r.id = ${id}`);
  if (!row || row.status !== 'pending') return { outcome: 'nothing_to_do' };
  if (row.earlier) return { outcome: 'waiting', retryInMs: WAIT_FOR_EARLIER_MS };
  return { outcome: 'waiting', retryInMs: Math.max(50, row.leaseMs ?? 50) };
}
