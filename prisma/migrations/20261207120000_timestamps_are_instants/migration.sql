-- One clock (issue #23): every timestamp column becomes timestamptz(3), an instant, whatever TimeZone a session has.
--
-- The old timestamp(3) columns held wall-clock times of two kinds:
--  * written by the application (Prisma, or a JavaScript Date passed to SQL): UTC wall time;
--  * filled by the database's clock (DEFAULT CURRENT_TIMESTAMP, now() in raw SQL): the wall time of the session's
--    TimeZone, which was the database's default zone (server, database or role setting). On a UTC database (the
--    default of managed services) both kinds were UTC, on any other they were off by the zone's offset.
-- Each column is converted from the zone its writer used. Columns the database's clock filled are read in the zone
-- sessions defaulted to (reset_val: the server, database and role settings, not a SET of this session), everything
-- else is read as UTC. Columns both wrote are read by the writer that wrote them last (events."updatedAt": the
-- database's clock while an event is unfinished, the application once it is final). A zone that changed over time
-- cannot be told apart afterwards: such rows keep the offset of the zone they were written in.
-- (Prisma's migration runner sends the statements one by one, split at each semicolon: no DO block, and no
-- semicolon inside a statement or a comment.)
CREATE FUNCTION "adp_session_default_zone"() RETURNS text LANGUAGE sql STABLE
  AS $fn$ SELECT reset_val FROM pg_settings WHERE name = 'TimeZone' $fn$;

ALTER TABLE "events"
  ALTER COLUMN "receivedAt" TYPE TIMESTAMPTZ(3) USING "receivedAt" AT TIME ZONE "adp_session_default_zone"(),
  ALTER COLUMN "queuedAt" TYPE TIMESTAMPTZ(3) USING "queuedAt" AT TIME ZONE "adp_session_default_zone"(),
  ALTER COLUMN "updatedAt" TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE
    (CASE WHEN status IN ('received', 'queued', 'processing') THEN "adp_session_default_zone"() ELSE 'UTC' END),
  ALTER COLUMN "pendingSince" TYPE TIMESTAMPTZ(3) USING "pendingSince" AT TIME ZONE 'UTC',
  ALTER COLUMN "startedAt" TYPE TIMESTAMPTZ(3) USING "startedAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "finishedAt" TYPE TIMESTAMPTZ(3) USING "finishedAt" AT TIME ZONE 'UTC';
ALTER TABLE "oauth_nonces"
  ALTER COLUMN "seenAt" TYPE TIMESTAMPTZ(3) USING "seenAt" AT TIME ZONE "adp_session_default_zone"();
ALTER TABLE "seats"
  ALTER COLUMN "assignedAt" TYPE TIMESTAMPTZ(3) USING "assignedAt" AT TIME ZONE "adp_session_default_zone"();
ALTER TABLE "users"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE "adp_session_default_zone"(),
  ALTER COLUMN "updatedAt" TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC';
ALTER TABLE "result_deliveries"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE "adp_session_default_zone"(),
  ALTER COLUMN "deliveredAt" TYPE TIMESTAMPTZ(3) USING "deliveredAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "updatedAt" TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "supersededAt" TYPE TIMESTAMPTZ(3) USING "supersededAt" AT TIME ZONE 'UTC';
ALTER TABLE "hook_calls"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE "adp_session_default_zone"(),
  ALTER COLUMN "doneAt" TYPE TIMESTAMPTZ(3) USING "doneAt" AT TIME ZONE 'UTC';
ALTER TABLE "product_call_attempts"
  ALTER COLUMN "at" TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE "adp_session_default_zone"();

DROP FUNCTION "adp_session_default_zone"();

-- Written by the application only: UTC wall time.
ALTER TABLE "accounts"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "updatedAt" TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "cancelledAt" TYPE TIMESTAMPTZ(3) USING "cancelledAt" AT TIME ZONE 'UTC';
ALTER TABLE "addon_instances"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "updatedAt" TYPE TIMESTAMPTZ(3) USING "updatedAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "cancelledAt" TYPE TIMESTAMPTZ(3) USING "cancelledAt" AT TIME ZONE 'UTC';
ALTER TABLE "addon_bindings"
  ALTER COLUMN "createdAt" TYPE TIMESTAMPTZ(3) USING "createdAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "unboundAt" TYPE TIMESTAMPTZ(3) USING "unboundAt" AT TIME ZONE 'UTC';
ALTER TABLE "event_attempts" ALTER COLUMN "startedAt" TYPE TIMESTAMPTZ(3) USING "startedAt" AT TIME ZONE 'UTC';
ALTER TABLE "result_delivery_attempts" ALTER COLUMN "startedAt" TYPE TIMESTAMPTZ(3) USING "startedAt" AT TIME ZONE 'UTC';
ALTER TABLE "audit_log" ALTER COLUMN "at" TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';
ALTER TABLE "worker_heartbeats"
  ALTER COLUMN "startedAt" TYPE TIMESTAMPTZ(3) USING "startedAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "lastSeenAt" TYPE TIMESTAMPTZ(3) USING "lastSeenAt" AT TIME ZONE 'UTC',
  ALTER COLUMN "stoppedAt" TYPE TIMESTAMPTZ(3) USING "stoppedAt" AT TIME ZONE 'UTC';
