/**
 * Usage reports from an in-process product module: the same call as the product API's
 * (`POST /product/api/accounts/{accountIdentifier}/usage`), typed, for a handler to make through its
 * `HookContext.reportUsage` — checked by the same contract, taken by the same `acceptReport`, delivered by the
 * same reports queue. A refusal is thrown as a `UsageRefused` carrying the catalogue code the product API
 * answers with.
 */
import type { HttpErrorCode } from '../errors/catalogue';
import type { SqlSource } from '../db/sql';
import type { Logger } from '../logging/logger';
import { acceptReport } from './accept';
import { usageReportSchema, type UsageReport } from './usage';

export interface UsageToReport {
  readonly accountIdentifier: string;
  /** Usage of one of the account's add-ons. */
  readonly addonInstanceId?: string;
  /** Names the report: the same key again is the same report (answered as the first time, delivered once). */
  readonly idempotencyKey: string;
  readonly report: UsageReport;
}

/** What the product API answers with 202 (and `replayed`: the key was known). */
export interface UsageReceipt {
  readonly reportId: string;
  readonly idempotencyKey: string;
  readonly accountIdentifier: string;
  readonly addonInstanceId: string | null;
  readonly acceptedAt: string;
  readonly replayed: boolean;
}

export type UsageReporter = (usage: UsageToReport) => Promise<UsageReceipt>;

/** A report refused, with the code (docs/errors.md) the product API would answer. */
export class UsageRefused extends Error {
  constructor(
    readonly code: Extract<
      HttpErrorCode,
      | 'VALIDATION_FAILED'
      | 'PRODUCT_ACCOUNT_NOT_FOUND'
      | 'PRODUCT_ACCOUNT_NOT_LIVE'
      | 'PRODUCT_ADDON_NOT_FOUND'
      | 'IDEMPOTENCY_KEY_REUSED'
    >,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'UsageRefused';
  }
}

/** The reporter of a process: its database, and the queue its delivery job goes to (the sweeper's otherwise). */
export function usageReporter(
  db: SqlSource,
  queue: { enqueueReport(reportId: bigint): Promise<void> },
  logger: Pick<Logger, 'warn'>,
): UsageReporter {
  return async ({ accountIdentifier, addonInstanceId, idempotencyKey, report }) => {
    const parsed = usageReportSchema.safeParse(report);
    if (!parsed.success)
      throw new UsageRefused(
        'VALIDATION_FAILED',
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    const outcome = await acceptReport(db, {
      kind: 'usage',
      accountId: accountIdentifier,
      addonInstanceId: addonInstanceId ?? null,
      idempotencyKey,
      body: parsed.data,
    });
    switch (outcome.outcome) {
      case 'account_not_found':
        throw new UsageRefused('PRODUCT_ACCOUNT_NOT_FOUND', `there is no account '${accountIdentifier}'`);
      case 'account_not_live':
        throw new UsageRefused('PRODUCT_ACCOUNT_NOT_LIVE', `account '${accountIdentifier}' is ${outcome.status}`);
      case 'addon_not_found':
        throw new UsageRefused('PRODUCT_ADDON_NOT_FOUND', `no active add-on '${addonInstanceId ?? ''}'`);
      case 'key_reused':
        throw new UsageRefused(
          'IDEMPOTENCY_KEY_REUSED',
          `'${idempotencyKey}' names another report (${outcome.report.id})`,
        );
    }
    const stored = outcome.report;
    if (outcome.outcome === 'accepted')
      await queue
        .enqueueReport(stored.id)
        .catch((error: unknown) =>
          logger.warn({ err: (error as Error).message }, 'could not enqueue the report; the sweeper will'),
        );
    return {
      reportId: stored.id.toString(),
      idempotencyKey: stored.idempotencyKey,
      accountIdentifier: stored.accountId,
      addonInstanceId: stored.addonInstanceId,
      acceptedAt: stored.createdAt.toISOString(),
      replayed: outcome.outcome === 'replayed',
    };
  };
}
