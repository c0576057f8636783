/**
 * The lifecycle of an inbox row, written once: received -> queued -> processing -> succeeded | refused |
 * failed | cancelled (an operator may run a refused or failed one again). Lists come from the Prisma enum, so
 * the schema and the code cannot disagree; the SQL fragments are literals, so statements keep one text (one
 * plan).
 */
import { Prisma } from '../db/client';
import { unsuccessfulStatusOf } from '../errors/catalogue';
import { EventStatus } from '../generated/prisma/enums';

export type EventStatusName = EventStatus;

/** Every status, in lifecycle order. */
export const EVENT_STATUSES = Object.values(EventStatus) as readonly EventStatusName[];

/** Not finished yet: a job may still run it (and an operator may cancel it). */
export const UNFINISHED_STATUSES = ['received', 'queued', 'processing'] as const satisfies readonly EventStatusName[];

/** Finished for good (until an operator runs it again); the result is stored. */
export const FINAL_STATUSES = [
  'succeeded',
  'refused',
  'failed',
  'cancelled',
] as const satisfies readonly EventStatusName[];

/**
 * Finished without success by the event's own run: `refused` (a business answer AppDirect shows its user)
 * or `failed` (the service could not do the work). An operator may run these again; `cancelled` is an
 * operator's own decision and is not.
 */
export const UNSUCCESSFUL_STATUSES = ['refused', 'failed'] as const satisfies readonly EventStatusName[];

/** The final status of a run's result: which code is a refusal and which a failure is the catalogue's call. */
export const finalStatusOf = (result: { success: boolean; errorCode?: string }): EventStatusName =>
  result.success ? 'succeeded' : unsuccessfulStatusOf(result.errorCode);

export const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);
export const isUnfinished = (status: string): boolean => (UNFINISHED_STATUSES as readonly string[]).includes(status);

const sqlList = (statuses: readonly string[]): Prisma.Sql =>
  Prisma.raw(statuses.map((status) => `'${status}'`).join(', '));

/** `('received', 'queued', 'processing')` for raw SQL: `status IN (${UNFINISHED_SQL})`. */
export const UNFINISHED_SQL = sqlList(UNFINISHED_STATUSES);
/** `('succeeded', 'refused', 'failed', 'cancelled')` for raw SQL. */
export const FINAL_SQL = sqlList(FINAL_STATUSES);
