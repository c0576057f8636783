/**
 * Delivering a stored result to AppDirect:
 * POST <marketplace>/api/integration/v1/events/<token>/result. Every attempt is
 * recorded. Network errors, 5xx and 429 are retried (the caller's queue backs off
 * for more than 24 h); other 4xx stop and mark the delivery failed.
 */
import { untilRecorded } from '../db/failures';
import type { Config } from '../config';
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import { DeliveryRetryError, describeFailure, MarketplaceError } from '../errors/internal';

export type DeliveryOutcome = 'delivered' | 'nothing_to_do' | 'rejected';

/** The result delivery written with the event's final state, still `pending`: its first POST needs no claim. */
export interface OwedDelivery {
  readonly id: bigint;
  readonly resultUrl: string;
  readonly body: ResultBody;
  readonly attempts: number;
  readonly consumerKey: string | null;
}

export async function deliverResult(
  deps: { db: SqlSource; marketplace: MarketplaceClient; config: Pick<Config, 'appdirect'> },
  token: string,
  options: {
    isLastAttempt: boolean;
    /** Written by this worker's commit a moment ago: no claim needed. */ owed?: OwedDelivery;
  },
): Promise<DeliveryOutcome> {
  // Claim: touching updatedAt keeps the sweeper off a delivery in flight. A delivery the caller
  // has just committed is fresh (updatedAt = now) and pending, so its first attempt skips this.
  const [delivery] = options.owed
    ? [options.owed]
    : await pooledSql(deps.db)<OwedDelivery>(Prisma.sql`
        UPDATE result_deliveries d SET "updatedAt" = now()
        FROM events e
        WHERE e.seq = d."eventSeq" AND e.token = ${token} AND d.status = 'pending' AND d."supersededAt" IS NULL
        RETURNING d.id, d."resultUrl", d.body, d.attempts, e."consumerKey"`);
  if (!delivery) return 'nothing_to_do';
  const consumer = delivery.consumerKey
    ? deps.config.appdirect.consumerCredentials.find((c) => c.key === delivery.consumerKey)
    : undefined;
  const startedAt = new Date();
  let httpStatus: number | null;
  let failure: Error | null = null;
  try {
    httpStatus = await deps.marketplace.postResult(delivery.resultUrl, delivery.body, { consumer });
  } catch (error) {
    failure = error as Error;
    httpStatus = error instanceof MarketplaceError ? (error.httpStatus ?? null) : null;
  }
  const permanent = failure instanceof MarketplaceError ? !failure.transient : false;
  const finalStatus = failure === null ? 'delivered' : permanent || options.isLastAttempt ? 'failed' : 'pending';
  const error = failure ? describeFailure(failure) : null;
  const now = new Date();
  // Outside any transaction, on pg directly (src/db/sql.ts): one statement per attempt, on the hot path.
  const record = () =>
    pooledSql(deps.db)(Prisma.sql`
    WITH attempt AS (
      INSERT INTO result_delivery_attempts ("deliveryId", attempt, "httpStatus", error, "startedAt", "durationMs")
      VALUES (${delivery.id}, ${delivery.attempts + 1}, ${httpStatus}, ${error}, ${startedAt}, ${now.getTime() - startedAt.getTime()})
    )
    UPDATE result_deliveries SET
      attempts = attempts + 1,
      status = ${finalStatus}::"DeliveryStatus",
      "lastError" = ${error},
      "deliveredAt" = ${failure === null ? now : null},
      "updatedAt" = ${now}
    WHERE id = ${delivery.id}`);
  if (failure === null) {
    // AppDirect has the result. Losing that fact now (database away) would send it twice, so
    // keep trying to record it rather than letting the POST be retried.
    await untilRecorded(record);
    return 'delivered';
  }
  await record();
  if (permanent) return 'rejected';
  throw new DeliveryRetryError(failure.message, { cause: failure });
}
