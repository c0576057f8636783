import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producer profile (API): commands fail fast while Redis is away, so a request
 * can fall back to the inbox (the sweeper enqueues later) or answer 503 instead
 * of hanging. The client keeps reconnecting in the background.
 */
export function createProducerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
    ...options,
  });
}

/**
 * Worker profile: BullMQ workers block on Redis and must wait out an outage, so
 * requests never give up (`maxRetriesPerRequest: null`) and reconnection is endless.
 */
export function createWorkerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 250, 3000),
    ...options,
  });
}
