/**
 * What the API and every worker check about their PostgreSQL and Redis when they start, so a managed
 * service set up wrong stops the process with one clear message (and it never reports itself ready)
 * instead of failing every event: a refused or unusable database role, a Redis topology or eviction
 * policy the queues cannot work on. Connection errors that merely repeat are logged with backoff.
 */
import type { RedisTopology } from '../config/redis';
import { preflightDatabase } from '../db/preflight';
import type { Logger } from '../logging/logger';
import { ThrottledLog } from '../logging/throttle';
import type { RedisConnection } from '../queue/connection';
import { guardRedisTopology } from '../queue/topology';
import { exitWithProblem } from './shutdown';

export interface DependencyGuardOptions {
  readonly databaseUrl: string;
  readonly redis: ReadonlyArray<RedisConnection>;
  readonly redisTopology: RedisTopology;
  readonly logger: Logger;
  /** What to do with a problem; default: log it as fatal and exit 1. */
  readonly onProblem?: (message: string) => void;
}

/** Starts the checks; returns at once (PostgreSQL or Redis being down is not a problem: both are waited for). */
export function guardDependencies(options: DependencyGuardOptions): void {
  const { logger } = options;
  const onProblem =
    options.onProblem ??
    ((message: string) => {
      logger.fatal({ problem: message }, message);
      exitWithProblem(new Error(message));
    });
  const redisLog = new ThrottledLog(logger);
  for (const connection of options.redis) {
    connection.on('error', (error: Error) =>
      redisLog.warn(error.message, { err: error.message }, 'redis connection error'),
    );
    guardRedisTopology(connection, options.redisTopology, onProblem);
  }
  preflightDatabase(options.databaseUrl).then(
    (state) => {
      if (state === 'unreachable')
        logger.warn('PostgreSQL is not reachable at start-up; requests needing it answer 503 until it is');
    },
    (error: unknown) => onProblem((error as Error).message),
  );
}
