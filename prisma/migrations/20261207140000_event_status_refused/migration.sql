-- A business answer AppDirect shows its user finishes `refused`, and `failed` is kept for what needs an operator.
-- Alone in its migration: a value added to an enum cannot be used in the transaction that added it, and Prisma's
-- native engine (prisma migrate deploy) runs a whole migration script as one. The next migration moves the rows.
-- (The runner of bin/migrate.ts splits a script at every semicolon: none in comments.)
ALTER TYPE "EventStatus" ADD VALUE IF NOT EXISTS 'refused' AFTER 'succeeded';
