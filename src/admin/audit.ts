/** The audit log of operators' actions: one row per action, written in the transaction of its change. */
import type { Prisma, PrismaClient } from '../db/client';

/** Who asked, for the audit row. */
export interface Actor {
  readonly actor: string;
  readonly requestId?: string;
}

/** Writes one audit row; pass the transaction of the change it records, so both commit or neither. */
export async function writeAudit(
  db: PrismaClient | Prisma.TransactionClient,
  entry: { actor: string; action: string; target?: string; filter?: unknown; count?: number; requestId?: string },
): Promise<void> {
  await db.auditLog.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      filter:
        entry.filter === undefined ? undefined : (JSON.parse(JSON.stringify(entry.filter)) as Prisma.InputJsonObject),
      count: entry.count ?? null,
      requestId: entry.requestId ?? null,
    },
  });
}
