/**
 * What the API and every worker watch about their PostgreSQL and Redis while they run: the managed-services
 * preflight (a refused or unusable database role, a Redis topology or eviction policy the queues cannot
 * work on; src/health/preflight.ts), at start, every minute and on every Redis reconnect. A problem is
 * logged with what to do and shown on /status and the probes; the process keeps running, so the problem
 * stays visible and clears by itself once fixed. Connection errors that merely repeat are logged with backoff.
 */
import type { RedisTopology } from '../config/redis';
import { Preflight } from '../health/preflight';
import type { Logger } from '../logging/logger';
import { ThrottledLog } from '../logging/throttle';
import type { RedisConnection } from '../queue/connection';

export interface DependencyGuardOptions {
  readonly databaseUrl: string;
  readonly redis: ReadonlyArray<RedisConnection>;
  readonly redisTopology: RedisTopology;
  readonly logger: Logger;
}

/**
 * Starts the watch and returns its preflight at once (its first run goes on in the background; PostgreSQL
 * or Redis being down is not a problem: both are waited for). Stop it on shutdown.
 */
export function guardDependencies(options: DependencyGuardOptions): Preflight {
  const { logger } = options;
  const redisLog = new ThrottledLog(logger);
  for (const connection of options.redis) {
    connection.on('error', (error: Error) =>
      redisLog.warn(error.message, { err: error.message }, 'redis connection error'),
    );
  }
  const preflight = new Preflight(options);
  preflight
    .start()
    .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'the preflight could not run'));
  return preflight;
}
