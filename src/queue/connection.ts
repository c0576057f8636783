import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisTarget, type RedisTarget } from '../config/redis';

/** What producers, workers, health checks and the admin share: ioredis' own single-server or cluster client. */
export type RedisConnection = Redis | Cluster;

/** A target, or a plain REDIS_URL (tests, tools). */
export type RedisLocation = RedisTarget | string;

const targetOf = (location: RedisLocation): RedisTarget =>
  typeof location === 'string' ? parseRedisTarget({ REDIS_URL: location }) : location;

/**
 * A replica promoted by Sentinel (or a cluster failover) leaves clients connected to the old primary,
 * now a read-only replica: reconnect (and so ask the sentinels again) and resend the command.
 */
const reconnectOnReadOnly = (error: Error): 2 | false => (error.message.startsWith('READONLY') ? 2 : false);

/** Server options common to every node: ACL user, TLS, database. */
function serverOptions(target: RedisTarget): RedisOptions {
  return {
    username: target.username,
    password: target.password,
    db: target.db,
    ...(target.tls ? { tls: target.tls.ca ? { ca: target.tls.ca } : {} } : {}),
    reconnectOnError: reconnectOnReadOnly,
  };
}

function connect(target: RedisTarget, profile: RedisOptions): RedisConnection {
  const options = { ...serverOptions(target), ...profile };
  if (target.topology === 'cluster') {
    const { enableOfflineQueue, ...redisOptions } = options;
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...redisOptions, db: undefined },
      enableOfflineQueue: enableOfflineQueue ?? true,
      enableReadyCheck: true,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 250, 3000),
      // A managed cluster may answer through a TLS endpoint whose certificate names the endpoint, not the node IP.
      ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    return new Cluster(
      target.nodes.map((node) => ({ host: node.host, port: node.port })),
      clusterOptions,
    );
  }
  if (target.topology === 'sentinel') {
    return new Redis({
      ...options,
      sentinels: target.nodes.map((node) => ({ host: node.host, port: node.port })),
      name: target.sentinelName,
      sentinelUsername: target.sentinelUsername,
      sentinelPassword: target.sentinelPassword,
      ...(target.tls
        ? { enableTLSForSentinelMode: true, sentinelTLS: target.tls.ca ? { ca: target.tls.ca } : {} }
        : {}),
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 250, 3000),
      // Reconnect when a sentinel announces a failover (+switch-master), not only when a write to the demoted
      // primary answers READONLY: a quiet connection moves at once, and the preflight checks the new primary.
      failoverDetector: true,
    });
  }
  const [node] = target.nodes;
  return new Redis({ ...options, host: node?.host, port: node?.port });
}

/**
 * Producer profile (API): commands fail fast while Redis is away, so a request
 * can fall back to the inbox (the sweeper enqueues later) or answer 503 instead
 * of hanging. The client keeps reconnecting in the background.
 */
export function createProducerConnection(location: RedisLocation, options: RedisOptions = {}): RedisConnection {
  return connect(targetOf(location), {
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
export function createWorkerConnection(location: RedisLocation, options: RedisOptions = {}): RedisConnection {
  return connect(targetOf(location), {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 250, 3000),
    ...options,
  });
}
