/**
 * Users (keyed by AppDirect uuid, never by e-mail) and the seats they hold on accounts. Plain SQL on a
 * `Sql` runner (src/db/sql.ts): the user events' hot path runs these on `pg` directly.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '../db/client';
import type { Sql } from '../db/sql';
import type { Person } from '../events/schema';

/** Creates or refreshes the user keyed by AppDirect uuid; its id. */
export async function upsertUser(sql: Sql, person: Person): Promise<{ id: string }> {
  // Attributes not sent leave the stored ones as they are (a new user gets {}).
  const attributes = person.attributes === undefined ? null : JSON.stringify(person.attributes);
  const [user] = await sql<{ id: string }>(Prisma.sql`
    INSERT INTO users (id, uuid, "openId", email, "firstName", "lastName", language, locale, attributes, "updatedAt")
    VALUES (${randomUUID()}, ${person.uuid}, ${person.openId ?? null}, ${person.email}, ${person.firstName ?? null},
            ${person.lastName ?? null}, ${person.language ?? null}, ${person.locale ?? null},
            COALESCE(${attributes}::jsonb, '{}'::jsonb), ${new Date()})
    ON CONFLICT (uuid) DO UPDATE SET "openId" = EXCLUDED."openId", email = EXCLUDED.email,
      "firstName" = EXCLUDED."firstName", "lastName" = EXCLUDED."lastName", language = EXCLUDED.language,
      locale = EXCLUDED.locale, attributes = COALESCE(${attributes}::jsonb, users.attributes), "updatedAt" = EXCLUDED."updatedAt"
    RETURNING id`);
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

export async function assignSeat(sql: Sql, accountId: string, userId: string): Promise<void> {
  await sql(Prisma.sql`INSERT INTO seats ("accountId", "userId", role) VALUES (${accountId}, ${userId}, 'user')`);
}

export async function removeSeat(sql: Sql, accountId: string, userId: string): Promise<void> {
  await sql(Prisma.sql`DELETE FROM seats WHERE "accountId" = ${accountId} AND "userId" = ${userId}`);
}
