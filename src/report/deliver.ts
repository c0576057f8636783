/**
 * Delivering a stored result to AppDirect:
 * POST <marketplace>/api/integration/v1/events/<token>/result. Every attempt is
 * recorded. Network errors, 5xx and 429 are retried (the caller's queue backs off
 * for more than 24 h); other 4xx stop and mark the delivery failed.
 */
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import type { MarketplaceClient, ResultBody } from '../marketplace/client';
import { MarketplaceError } from '../marketplace/errors';

export type DeliveryOutcome = 'delivered' | 'nothing_to_do' | 'rejected';

export class DeliveryRetryError extends Error {}

export async function deliverResult(
  deps: { prisma: PrismaClient; marketplace: MarketplaceClient; config: Pick<Config, 'appdirect'> },
  token: string,
  options: { isLastAttempt: boolean },
): Promise<DeliveryOutcome> {
  const event = await deps.prisma.event.findUnique({ where: { token }, include: { delivery: true } });
  const delivery = event?.delivery;
  if (!event || !delivery || delivery.status !== 'pending') return 'nothing_to_do';
  const consumer = event.consumerKey ? deps.config.appdirect.consumerCredentials.find((c) => c.key === event.consumerKey) : undefined;
  const startedAt = new Date();
  let httpStatus: number | null;
  let failure: MarketplaceError | Error | null = null;
  try {
    httpStatus = await deps.marketplace.postResult(delivery.resultUrl, delivery.body as unknown as ResultBody, { consumer });
  } catch (error) {
    failure = error as Error;
    httpStatus = error instanceof MarketplaceError ? (error.httpStatus ?? null) : null;
  }
  const permanent = failure instanceof MarketplaceError ? !failure.transient : false;
  const finalStatus = failure === null ? 'delivered' : permanent || options.isLastAttempt ? 'failed' : 'pending';
  await deps.prisma.$transaction([
    deps.prisma.resultDeliveryAttempt.create({
      data: {
        deliveryId: delivery.id,
        attempt: delivery.attempts + 1,
        httpStatus,
        error: failure ? failure.message.slice(0, 2000) : null,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
      },
    }),
    deps.prisma.resultDelivery.update({
      where: { id: delivery.id },
      data: {
        attempts: { increment: 1 },
        status: finalStatus,
        lastError: failure ? failure.message.slice(0, 2000) : null,
        deliveredAt: failure === null ? new Date() : null,
      },
    }),
  ]);
  if (failure === null) return 'delivered';
  if (permanent) return 'rejected';
  throw new DeliveryRetryError(failure.message, { cause: failure });
}
