/**
 * Users (keyed by AppDirect uuid, never by e-mail) and the seats they hold on accounts. Plain SQL on a
 * `Sql` runner (src/db/sql.ts): the user events' hot path runs these on `pg` directly.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';

/** An AppDirect user as an event names it (the documents' schema, src/events/schema.ts, reads it). */
export interface Person {
  readonly uuid: string;
  readonly openId?: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly language?: string;
  readonly locale?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The statement that creates or refreshes the user keyed by AppDirect uuid, returning its id. */
function upsertUserStatement(person: Person): Prisma.Sql {
  // Attributes not sent leave the stored ones as they are (a new user gets {}).
  const attributes = person.attributes === undefined ? null : JSON.stringify(person.attributes);
  return Prisma.sql`
    INSERT INTO users (id, uuid, "openId", email, "firstName", "lastName", language, locale, attributes, "updatedAt")
    VALUES (${randomUUID()}, ${person.uuid}, ${person.openId ?? null}, ${person.email}, ${person.firstName ?? null},
            ${person.lastName ?? null}, ${person.language ?? null}, ${person.locale ?? null},
            COALESCE(${attributes}::jsonb, '{}'::jsonb), ${new Date()})
    ON CONFLICT (uuid) DO UPDATE SET "openId" = EXCLUDED."openId", email = EXCLUDED.email,
      "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", language = EXCLUDED.language,
      locale = EXCLUDED.locale, attributes = COALESCE(${attributes}::jsonb, users.attributes),
      "updatedAt" = EXCLUDED."updatedAt"
    RETURNING id`;
}

/** Creates or refreshes the user keyed by AppDirect uuid; its id. */
export async function upsertUser(sql: Sql, person: Person): Promise<{ id: string }> {
  const [user] = await sql<{ id: string }>(upsertUserStatement(person));
  return user!;
}

export async function findUser(sql: Sql, uuid: string): Promise<{ id: string } | null> {
  const [user] = await sql<{ id: string }>(Prisma.sql`SELECT id FROM users WHERE uuid = ${uuid}`);
  return user ?? null;
}

/** Seats taken on the account, the owner's included. Exact while the account row is locked. */
export async function seatsUsed(sql: Sql, accountId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    Prisma.sql`SELECT count(*)::int AS n FROM seats WHERE "accountId" = ${accountId}`,
  );
  return row?.n ?? 0;
}

export async function findSeat(sql: Sql, accountId: string, userId: string): Promise<{ role: string } | null> {
  const [seat] = await sql<{ role: string }>(
    Prisma.sql`SELECT role::text AS role FROM seats WHERE "accountId" = ${accountId} AND "userId" = ${userId}`,
  );
  return seat ?? null;
}

export async function removeSeat(sql: Sql, accountId: string, userId: string): Promise<void> {
  await sql(Prisma.sql`DELETE FROM seats WHERE "accountId" = ${accountId} AND "userId" = ${userId}`);
}

/** What became of an assignment: the seat taken, the user already held one, or every seat is taken. */
export type SeatTaking = 'assigned' | 'already_assigned' | 'no_seat_left';

/**
 * Assigns a seat in one statement (the hot path of USER_ASSIGNMENT): creates or refreshes the user, then
 * takes a seat unless the user already holds one or the account's `maxUsers` seats (null: unlimited) are
 * taken, counting the owner's. Exact while the account row is locked (lockAccount). The same as
 * upsertUser, findSeat, seatsUsed and a seat INSERT in a row, in one round trip.
 */
export async function takeSeat(
  sql: Sql,
  accountId: string,
  person: Person,
  maxUsers: number | null,
): Promise<SeatTaking> {
  const [row] = await sql<{ held: boolean; assigned: boolean }>(Prisma.sql`
    WITH usr AS (${upsertUserStatement(person)}
    ), held AS (
      SELECT 1 FROM seats s JOIN usr ON s."userId" = usr.id WHERE s."accountId" = ${accountId}
    ), seat AS (
      INSERT INTO seats ("accountId", "userId", role)
      SELECT ${accountId}, usr.id, 'user' FROM usr
      WHERE NOT EXISTS (SELECT 1 FROM held)
        AND (${maxUsers}::int IS NULL OR (SELECT count(*) FROM seats WHERE "accountId" = ${accountId}) < ${maxUsers}::int)
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM held) AS held, EXISTS (SELECT 1 FROM seat) AS assigned`);
  if (row?.held) return 'already_assigned';
  return row?.assigned ? 'assigned' : 'no_seat_left';
}
