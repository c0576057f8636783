/**
 * Users (keyed by AppDirect uuid, never by e-mail) and the seats they hold on accounts. Plain SQL on a
 * `Sql` runner (src/db/sql.ts): the user events' hot path runs these on `pg` directly.
 */
import { randomUUID } from 'node:crypto';
import { arrayParameter } from '../db/array-parameter';
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

/**
 * Assigns seats to `persons` in order, as takeSeat one after the other would, in two round trips whatever
 * their number (the account's run of consecutive assignments, src/accounts/seats-ahead.ts): one statement
 * creates or refreshes every user and reads which of them hold a seat and how many seats are taken; the
 * decisions are made here, in order; one statement inserts the seats taken. A user named twice gets the later
 * details (the earlier attributes where the later sends none) and is `already_assigned` the second time if the
 * first took a seat. Exact while the account row is locked.
 */
export async function takeSeats(
  sql: Sql,
  accountId: string,
  persons: readonly Person[],
  maxUsers: number | null,
): Promise<SeatTaking[]> {
  if (persons.length === 0) return [];
  const latest = new Map<string, Person>();
  for (const person of persons) {
    const before = latest.get(person.uuid);
    latest.set(person.uuid, { ...person, attributes: person.attributes ?? before?.attributes });
  }
  const users = [...latest.values()];
  const column = (pick: (person: Person) => string | undefined) => users.map((person) => pick(person) ?? null);
  const now = new Date();
  const rows = await sql<{ uuid: string; id: string; held: boolean; used: number }>(Prisma.sql`
    WITH input AS (
      SELECT * FROM unnest(
        ${arrayParameter(
          users.map(() => randomUUID()),
          'text',
        )}, ${arrayParameter(
          users.map((person) => person.uuid),
          'text',
        )}, ${arrayParameter(
          column((p) => p.openId),
          'text',
        )}, ${arrayParameter(
          users.map((person) => person.email),
          'text',
        )},
        ${arrayParameter(
          column((p) => p.firstName),
          'text',
        )}, ${arrayParameter(
          column((p) => p.lastName),
          'text',
        )}, ${arrayParameter(
          column((p) => p.language),
          'text',
        )},
        ${arrayParameter(
          column((p) => p.locale),
          'text',
        )}, ${arrayParameter(
          users.map((person) => (person.attributes === undefined ? null : JSON.stringify(person.attributes))),
          'jsonb',
        )}
      ) AS input(id, uuid, "openId", email, "firstName", "lastName", language, locale, attributes)
    ), usr AS (
      INSERT INTO users (id, uuid, "openId", email, "firstName", "lastName", language, locale, attributes, "updatedAt")
      SELECT id, uuid, "openId", email, "firstName", "lastName", language, locale, COALESCE(attributes, '{}'::jsonb),
             ${now}
      FROM input
      ON CONFLICT (uuid) DO UPDATE SET "openId" = EXCLUDED."openId", email = EXCLUDED.email,
        "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", language = EXCLUDED.language,
        locale = EXCLUDED.locale,
        attributes = COALESCE((SELECT i.attributes FROM input i WHERE i.uuid = EXCLUDED.uuid), users.attributes),
        "updatedAt" = EXCLUDED."updatedAt"
      RETURNING id, uuid
    )
    SELECT usr.uuid, usr.id,
           EXISTS (SELECT 1 FROM seats s WHERE s."accountId" = ${accountId} AND s."userId" = usr.id) AS held,
           (SELECT count(*)::int FROM seats WHERE "accountId" = ${accountId}) AS used
    FROM usr`);
  const byUuid = new Map(rows.map((row) => [row.uuid, row]));
  const holding = new Set(rows.filter((row) => row.held).map((row) => row.uuid));
  let used = rows[0]?.used ?? 0;
  const taken: string[] = [];
  const takings = persons.map((person): SeatTaking => {
    if (holding.has(person.uuid)) return 'already_assigned';
    if (maxUsers !== null && used >= maxUsers) return 'no_seat_left';
    holding.add(person.uuid);
    used += 1;
    taken.push(byUuid.get(person.uuid)!.id);
    return 'assigned';
  });
  if (taken.length > 0)
    await sql(Prisma.sql`
      INSERT INTO seats ("accountId", "userId", role)
      SELECT ${accountId}, "userId", 'user' FROM unnest(${arrayParameter(taken, 'text')}) AS taken("userId")`);
  return takings;
}
