/**
 * The lifecycle of an inbox row, written once: received -> queued -> processing -> succeeded | failed |
 * cancelled (an operator's retry reopens a failed one). Lists come from the Prisma enum, so the schema
 * and the code cannot disagree; the SQL fragments are literals, so statements keep one text (one plan).
 */
import { Prisma } from '../db/client';
import { EventStatus } from '../generated/prisma/enums';

export type EventStatusName = EventStatus;

/** Every status, in lifecycle order. */
export const EVENT_STATUSES = Object.values(EventStatus) as readonly EventStatusName[];

/** Not finished yet: a job may still run it (and an operator may cancel it). */
export const UNFINISHED_STATUSES = ['received', 'queued', 'processing'] as const satisfies readonly EventStatusName[];

/** Finished for good (until an operator retries it); the result is stored. */
export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly EventStatusName[];

export const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);
export const isUnfinished = (status: string): boolean => (UNFINISHED_STATUSES as readonly string[]).includes(status);

const sqlList = (statuses: readonly string[]): Prisma.Sql =>
  Prisma.raw(statuses.map((status) => `'${status}'`).join(', '));

/** `('received', 'queued', 'processing')` for raw SQL: `status IN (${UNFINISHED_SQL})`. */
export const UNFINISHED_SQL = sqlList(UNFINISHED_STATUSES);
/** `('succeeded', 'failed', 'cancelled')` for raw SQL. */
export const FINAL_SQL = sqlList(FINAL_STATUSES);
