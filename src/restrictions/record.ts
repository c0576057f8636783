/** The `restriction_answers` table: every answer given to AppDirect's restrictions question (only writer). */
import { type Prisma, type PrismaClient } from '../db/client';
import type { Restriction } from '../marketplace/restrictions';

export type ProductPart = 'not_asked' | 'answered' | 'unanswered';

export interface AnswerRecord {
  readonly accountId: string | null;
  readonly externalVendorId: string | null;
  readonly companyUuid: string | null;
  readonly applicationUuid: string | null;
  readonly partner: string;
  readonly operation: string;
  readonly restrictions: readonly Restriction[];
  readonly product: ProductPart;
  readonly productError: string | null;
  readonly durationMs: number;
}

export async function recordAnswer(prisma: PrismaClient, answer: AnswerRecord): Promise<void> {
  await prisma.restrictionAnswer.create({
    data: {
      ...answer,
      restrictions: answer.restrictions as unknown as Prisma.InputJsonArray,
      restricted: answer.restrictions.length > 0,
    },
  });
}

/** How many answers the admin shows per account. */
export const RECENT_ANSWERS = 20;

/**
 * An account's latest answers, newest first: those naming it, and the initial orders of its company for its
 * application (asked before the account existed, or refused because it did).
 */
export async function recentAnswers(
  prisma: PrismaClient,
  account: { id: string; companyUuid: string; applicationUuid: string },
) {
  const rows = await prisma.restrictionAnswer.findMany({
    where: {
      OR: [
        { accountId: account.id },
        {
          accountId: null,
          externalVendorId: null,
          companyUuid: account.companyUuid,
          applicationUuid: account.applicationUuid || null,
        },
      ],
    },
    orderBy: { id: 'desc' },
    take: RECENT_ANSWERS,
  });
  return rows.map((row) => ({
    at: row.at,
    operation: row.operation,
    partner: row.partner,
    restrictions: row.restrictions as unknown as Restriction[],
    product: row.product as ProductPart,
    productError: row.productError,
    durationMs: row.durationMs,
  }));
}

/** How long answers are kept: enough to look back at a sale disputed after the month's invoice. */
export const ANSWERS_KEPT_DAYS = 30;

/** Deletes answers older than `days` (by the database's clock, which stamped them); returns how many. */
export function purgeOldAnswers(prisma: PrismaClient, days = ANSWERS_KEPT_DAYS): Promise<number> {
  return prisma.$executeRaw`DELETE FROM restriction_answers WHERE at < now() - make_interval(days => ${days}::int)`;
}
