/**
 * User sync (issue #27): a user the vendor added to or removed from its product itself (not through
 * AppDirect) is told to AppDirect, so its seat view matches — the SDK's `appmarket/usersync/`
 * (`POST {marketplace}/api/sync/v1/tasks`, `UserSyncRequestPayload` of type ASSIGNMENT, operation ASSIGN or
 * UNASSIGN). Taken like a usage report (idempotency key, committed before the answer, delivered once by the
 * reports queue), and reflected in our own seat table in the same transaction as the report is stored: an
 * assignment takes a seat (refused with MAX_USERS_REACHED when none is free), an unassignment frees one.
 */
import { z } from 'zod';
import { lockAccount } from '../accounts/accounts';
import { isLive } from '../accounts/lifecycle';
import { findSeat, findUser, removeSeat, takeSeat } from '../accounts/users';
import { Prisma } from '../db/client';
import { inPgTransaction, pooledSql, type SqlSource } from '../db/sql';
import type { AcceptedReport } from './accept';
import { requestHash } from './usage';

const STORABLE = /^[^\p{Cc}\p{Cs}]*$/u;
const text = (max: number) => z.string().min(1).max(max).regex(STORABLE, 'contains a control character');

export const userSyncSchema = z
  .strictObject({
    operation: z.enum(['assign', 'unassign']).describe('assign: the user now holds a seat; unassign: no longer'),
    user: z.strictObject({
      externalId: text(255).describe("Your product's own id of the user (AppDirect's developerIdentifier)"),
      appdirectUuid: text(255)
        .optional()
        .describe("The user's AppDirect uuid, when AppDirect assigned the user before (its userIdentifier)"),
      email: text(320),
      firstName: text(255).optional(),
      lastName: text(255).optional(),
      userName: text(255).optional().describe('Defaults to the e-mail'),
    }),
  })
  .meta({ id: 'UserSync', description: 'A user your product added or removed itself, for AppDirect to know of.' });

export type UserSync = z.infer<typeof userSyncSchema>;

/**
 * The key of the user in our users table (keyed by AppDirect uuid): the uuid when the product knows it, else
 * `product:<externalId>`. Unsure: AppDirect's answer to a sync does not carry the uuid it gives a new user, so a
 * user first synced by the product and later assigned through AppDirect is two users here, each with a seat.
 */
export const userKeyOf = (user: UserSync['user']): string => user.appdirectUuid ?? `product:${user.externalId}`;

/**
 * The JSON text of the sync call: the SDK's `UserSyncRequestPayload` (empty fields left out, as its
 * `@JsonInclude(NON_EMPTY)` does). Unsure (the SDK's test fixture has `"userIdentifier": "513"` and a uuid as
 * `developerIdentifier`): we send AppDirect's uuid as `userIdentifier` when known, the product's id as
 * `developerIdentifier`.
 */
export function userSyncBody(sync: UserSync, accountIdentifier: string): string {
  const { user } = sync;
  return JSON.stringify({
    type: 'ASSIGNMENT',
    operation: sync.operation === 'assign' ? 'ASSIGN' : 'UNASSIGN',
    accountIdentifier,
    developerIdentifier: user.externalId,
    ...(user.appdirectUuid ? { userIdentifier: user.appdirectUuid } : {}),
    userName: user.userName ?? user.email,
    ...(user.firstName ? { firstName: user.firstName } : {}),
    ...(user.lastName ? { lastName: user.lastName } : {}),
    email: user.email,
  });
}

export type UserSyncOutcome =
  | { readonly outcome: 'accepted' | 'replayed'; readonly report: AcceptedReport }
  | { readonly outcome: 'key_reused'; readonly report: AcceptedReport }
  | { readonly outcome: 'account_not_found' }
  | { readonly outcome: 'account_not_live'; readonly status: string }
  | { readonly outcome: 'max_users_reached'; readonly maxUsers: number }
  | { readonly outcome: 'already_assigned' }
  | { readonly outcome: 'user_not_found' }
  | { readonly outcome: 'owner' };

/** A refusal decided inside the transaction: thrown to roll back what it wrote (the user row), then returned. */
class Refused extends Error {
  constructor(readonly refusal: UserSyncOutcome) {
    super(refusal.outcome);
  }
}

/** The key was stored by a concurrent request after it was looked up: this seat change is rolled back. */
class KeyRaced extends Error {}

const COLUMNS = Prisma.sql`id, kind, "accountId", "addonInstanceId", "idempotencyKey", "createdAt", "requestHash"`;
type Row = AcceptedReport & { requestHash: string };
const view = ({ requestHash: _hash, ...report }: Row): AcceptedReport => report;

/**
 * Takes a user sync: the same key is answered as the first time (nothing changes); otherwise, under the account's
 * row lock, the seat is taken or freed and the report stored, in one transaction.
 */
export async function acceptUserSync(
  db: SqlSource,
  input: { accountId: string; idempotencyKey: string; sync: UserSync },
): Promise<UserSyncOutcome> {
  const hash = requestHash({ kind: 'user_sync', accountId: input.accountId, addonInstanceId: null, body: input.sync });
  const known = async (): Promise<UserSyncOutcome | null> => {
    const [row] = await pooledSql(db)<Row>(
      Prisma.sql`SELECT ${COLUMNS} FROM marketplace_reports WHERE "idempotencyKey" = ${input.idempotencyKey}`,
    );
    if (!row) return null;
    return row.requestHash === hash
      ? { outcome: 'replayed', report: view(row) }
      : { outcome: 'key_reused', report: view(row) };
  };
  const before = await known();
  if (before) return before;
  try {
    return await inPgTransaction(db, async (sql) => {
      const account = await lockAccount(sql, input.accountId);
      if (!account) throw new Refused({ outcome: 'account_not_found' });
      if (!isLive(account.status)) throw new Refused({ outcome: 'account_not_live', status: account.status });
      const { user } = input.sync;
      const key = userKeyOf(user);
      if (input.sync.operation === 'assign') {
        const taking = await takeSeat(
          sql,
          account.id,
          { uuid: key, email: user.email, firstName: user.firstName, lastName: user.lastName },
          account.maxUsers,
        );
        if (taking === 'already_assigned') throw new Refused({ outcome: 'already_assigned' });
        if (taking === 'no_seat_left')
          throw new Refused({ outcome: 'max_users_reached', maxUsers: account.maxUsers ?? 0 });
      } else {
        const found = await findUser(sql, key);
        const seat = found ? await findSeat(sql, account.id, found.id) : null;
        if (!found || !seat) throw new Refused({ outcome: 'user_not_found' });
        if (seat.role === 'owner') throw new Refused({ outcome: 'owner' });
        await removeSeat(sql, account.id, found.id);
      }
      const [inserted] = await sql<Row>(Prisma.sql`
        INSERT INTO marketplace_reports (kind, "accountId", "idempotencyKey", "requestHash", body)
        VALUES ('user_sync', ${account.id}, ${input.idempotencyKey}, ${hash}, ${JSON.stringify(input.sync)}::jsonb)
        ON CONFLICT ("idempotencyKey") DO NOTHING
        RETURNING ${COLUMNS}`);
      // The same key stored a moment ago by a concurrent request: undo this seat change, answer as that one was.
      if (!inserted) throw new KeyRaced();
      return { outcome: 'accepted' as const, report: view(inserted) };
    });
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    if (!(error instanceof KeyRaced)) throw error;
    const raced = await known();
    if (!raced) throw new Error(`user sync ${input.idempotencyKey} was neither stored nor found`, { cause: error });
    return raced;
  }
}
