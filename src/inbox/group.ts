/**
 * Group commit of a drained account: the account's waiting events decided in arrival order inside one
 * transaction — one account lock, one commit — instead of one transaction (lock, checks, commit) each.
 *
 * Each event in the group goes through exactly the code a one-by-one run uses (the event type's apply
 * function, then finishEvent), against the state the events before it left in the same transaction, so its
 * result is the one a one-by-one run would give (test/property/group-commit.test.ts runs random sequences
 * both ways and compares every outcome). What a one-by-one run does differently is never grouped: the group
 * stops before an event that still needs its document fetched, a ping, a document that cannot be read or
 * applied, a SUBSCRIPTION_NOTICE (applied ahead of the queue, answered synchronously), an event waiting for
 * or holding a product decision, and it does not start while the account is being provisioned. Those are
 * left to the one-by-one run (src/jobs/event.ts). A product that decides any call kind (PRODUCT_DECIDE) is
 * asked under the account lock per event, so no group is formed at all then.
 *
 * The group runs on a `pg` connection of its own, in plain SQL (src/db/sql.ts): only event types whose apply
 * function is plain SQL (SQL_APPLY_BY_TYPE: user assignments, unassignments, updates — the bulk of any
 * burst) are grouped; the group stops before any other type.
 *
 * Anything thrown rolls the whole group back: nothing of it is kept, and the caller goes on one by one.
 */
import { LockedAccounts } from '../accounts/accounts';
import { Prisma, type Event, type PrismaClient } from '../db/client';
import { inPgTransaction, pooledSql, type Sql } from '../db/sql';
import { SQL_APPLY_BY_TYPE } from '../events/apply';
import { isPingTest, parseEventDocument } from '../events/schema';
import { notifyCalls } from '../hooks/decide';
import { finishEvent, type AttemptInfo } from './finish';
import { toFinal, type RunDeps, type RunResult } from './run';
import { isFinal, UNFINISHED_SQL } from './statuses';
import { EVENT_COLUMNS } from './transitions';

const NOTICE = 'SUBSCRIPTION_NOTICE';

export interface GroupedEvent {
  readonly token: string;
  readonly startedAt: Date;
  readonly outcome: RunResult & { kind: 'finished' };
}

export interface GroupRun {
  /** The events this group finished, in arrival order (committed together). */
  readonly finished: readonly GroupedEvent[];
  /** The account's first unfinished event after the group, seen under the lock (null: none). */
  readonly nextOfAccount: string | null;
}

/** Whether this process may group at all: not while the product decides any call kind. */
export const canGroup = (deps: Pick<RunDeps, 'product'>): boolean => deps.product.settings.decideKinds.length === 0;

/**
 * Decides up to `max` of the account's unfinished events, oldest first, in one transaction. Returns the
 * events finished (possibly none: the oldest one is not groupable) and the account's next unfinished event.
 */
export async function runAccountGroup(
  deps: RunDeps,
  accountId: string,
  options: { workerId: string; max: number },
): Promise<GroupRun> {
  if (!canGroup(deps)) throw new Error('runAccountGroup: the product decides call kinds; run events one by one');
  // The account lock is the one a one-by-one run takes (src/inbox/run.ts), in the round trip of BEGIN.
  return inPgTransaction(
    deps.prisma,
    async (sql: Sql) => {
      // The candidates, row-locked: a job of one of them claiming it meanwhile waits for this commit and then
      // finds it finished; an operator's cancel likewise.
      const candidates = await sql<Event & { provisioning: string | null }>(Prisma.sql`
        SELECT ${EVENT_COLUMNS},
               (SELECT a."provisioningStatus"::text FROM accounts a WHERE a.id = ${accountId}) AS provisioning
        FROM events
        WHERE "accountId" = ${accountId} AND status IN (${UNFINISHED_SQL})
        ORDER BY seq LIMIT ${options.max + 1}
        FOR UPDATE OF events`);
      const finished: GroupedEvent[] = [];
      let nextOfAccount: string | null = candidates[0]?.token ?? null;
      if (candidates[0]?.provisioning === 'pending') return { finished, nextOfAccount };
      // The account row is locked and read once for the whole group (user events do not change it).
      const lockedAccounts = new LockedAccounts(sql);
      for (const event of candidates.slice(0, options.max)) {
        const groupable = groupableDocument(event);
        if (!groupable) break;
        const { document, apply } = groupable;
        const startedAt = new Date();
        const attempt: AttemptInfo = { workerId: options.workerId, attempt: event.attempts + 1, startedAt };
        const outcome = await apply({
          sql,
          lockedAccounts,
          token: event.token,
          eventSeq: event.seq,
          document,
          development: event.development,
          accountStatusAtArrival: event.accountStatusAtArrival,
        });
        const source = {
          token: event.token,
          development: event.development,
          marketplaceBaseUrl: event.marketplaceBaseUrl,
          receivedAt: event.receivedAt,
        };
        const final = toFinal(outcome, notifyCalls(deps.product, source, outcome), document);
        const rows = await finishEvent(sql, event, final, attempt, {
          answeredSynchronously: false,
          countsAttempt: true,
        });
        finished.push({
          token: event.token,
          startedAt,
          outcome: { kind: 'finished', result: final.result, ...rows, type: document.type },
        });
        nextOfAccount = rows.nextOfAccount;
      }
      return { finished, nextOfAccount };
    },
    { lockKey: `account:${accountId}` },
  );
}

/**
 * The account of an event a group could take (stored document, a type groups take, unfinished): its
 * account id; 'finished' when it is already final; undefined otherwise (unknown too: the caller decides).
 */
export async function groupCandidate(
  prisma: PrismaClient,
  token: string,
): Promise<{ accountId: string } | 'finished' | undefined> {
  const [event] = await pooledSql(prisma)<{
    accountId: string | null;
    status: string;
    stored: boolean;
    type: string | null;
  }>(
    Prisma.sql`SELECT "accountId", status::text AS status, payload IS NOT NULL AS stored, type FROM events WHERE token = ${token}`,
  );
  if (!event) return undefined;
  if (isFinal(event.status)) return 'finished';
  if (!event.accountId || !event.stored || !event.type || !SQL_APPLY_BY_TYPE.has(event.type)) return undefined;
  return { accountId: event.accountId };
}

/** The event's stored document and its apply function, when a one-by-one run would simply apply it. */
function groupableDocument(event: Event) {
  if (event.payload === null || event.productDecision !== null) return null;
  if (isPingTest(event.payload)) return null;
  const parsed = parseEventDocument(event.payload);
  if ('problems' in parsed || parsed.document.type === NOTICE) return null;
  const apply = SQL_APPLY_BY_TYPE.get(parsed.document.type);
  return apply ? { document: parsed.document, apply } : null;
}
