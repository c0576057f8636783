/**
 * Worker processes announce themselves: every few seconds each one writes its row in
 * `worker_heartbeats` (sole writer) with what it consumes and how busy it is, and marks it stopped on
 * a clean shutdown. The overview lists them (alive, missing, stopped) and `appdirect_workers` counts the
 * live consumers of each queue, so "no worker consuming" is visible even when every process died at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Prisma } from '../db/client';
import { pooledSql, type SqlSource } from '../db/sql';
import type { Logger } from '../logging/logger';
import type { QueueActivity } from '../queue/worker-loop';

/** How often a worker writes its heartbeat. */
export const HEARTBEAT_EVERY_MS = 10_000;
/** A worker not seen for this long is reported missing (three beats lost). */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_EVERY_MS;
/** Rows of workers not seen for this long are deleted. */
const FORGET_AFTER_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_BEATS = 360;

/** The service's version, from the package.json above this file (source or compiled layout). */
export function serviceVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file))
      return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  }
  return 'unknown';
}

export interface HeartbeatSource {
  readonly workerId: string;
  activity(): Record<string, QueueActivity>;
}

export interface Heartbeat {
  /** Writes one beat now (also called by the timer). */
  beat(): Promise<void>;
  /** Stops beating and marks the worker stopped. */
  stop(): Promise<void>;
}

export function startHeartbeat(
  db: SqlSource,
  source: HeartbeatSource,
  logger: Logger,
  options: { everyMs?: number } = {},
): Heartbeat {
  const startedAt = new Date();
  const version = serviceVersion();
  const host = hostname();
  let beats = 0;
  let stopped = false;
  const sql = pooledSql(db);

  const beat = async (): Promise<void> => {
    const now = new Date();
    const queues = JSON.stringify(source.activity());
    await sql(Prisma.sql`
      INSERT INTO worker_heartbeats ("workerId", host, pid, version, queues, "startedAt", "lastSeenAt")
      VALUES (${source.workerId}, ${host}, ${process.pid}, ${version}, ${queues}::jsonb, ${startedAt}, ${now})
      ON CONFLICT ("workerId") DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
        queues = excluded.queues, "startedAt" = excluded."startedAt", "lastSeenAt" = excluded."lastSeenAt",
        "stoppedAt" = NULL`);
    if (beats++ % PRUNE_EVERY_BEATS === 0)
      await sql(Prisma.sql`
        DELETE FROM worker_heartbeats WHERE "lastSeenAt" < ${new Date(now.getTime() - FORGET_AFTER_MS)}`);
  };
  // A beat still in flight when the worker stops must land before the stop, not clear it afterwards.
  let inFlight: Promise<void> = Promise.resolve();
  const safeBeat = (): void => {
    inFlight = inFlight
      .then(beat)
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'worker heartbeat not written'));
  };

  safeBeat();
  const timer = setInterval(safeBeat, options.everyMs ?? HEARTBEAT_EVERY_MS);
  timer.unref();
  return {
    beat,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight;
      const now = new Date();
      await sql(Prisma.sql`
        UPDATE worker_heartbeats SET queues = ${JSON.stringify(source.activity())}::jsonb, "lastSeenAt" = ${now},
          "stoppedAt" = ${now}
        WHERE "workerId" = ${source.workerId}`).catch((error: unknown) =>
        logger.warn({ err: (error as Error).message }, 'worker heartbeat not marked stopped'),
      );
    },
  };
}
