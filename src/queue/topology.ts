/**
 * Finds a Redis the queues cannot work on, as one catalogue problem saying what to do, instead of a process
 * that reports itself healthy while it processes nothing: a single-server client pointed at a Cluster node
 * (every command for another slot answers MOVED), a cluster client pointed at a server without cluster mode,
 * a Sentinel given as the server, or a Redis that evicts keys under memory pressure (BullMQ loses jobs and
 * locks; it needs `maxmemory-policy noeviction`). src/health/preflight.ts runs these checks at start, every
 * minute and whenever a connection becomes ready again (a reconnect, a failover).
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisTopology } from '../config/redis';
import { AppError } from '../errors/app-error';
import type { RedisConnection } from './connection';

/** Fields of an `INFO` answer. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** What is wrong with one server for the queues, or null. */
async function serverProblem(server: Redis, topology: RedisTopology, where: string): Promise<AppError | null> {
  let info: Map<string, string>;
  try {
    info = infoFields(await server.info());
  } catch (error) {
    // An ACL without INFO: the service cannot check, BullMQ itself needs INFO for its version check.
    if (/NOPERM/.test((error as Error).message))
      return new AppError('REDIS_INFO_REFUSED', { server: where, reason: (error as Error).message });
    throw error;
  }
  if (info.get('redis_mode') === 'sentinel') return new AppError('REDIS_IS_SENTINEL', { server: where });
  if (topology !== 'cluster' && info.get('cluster_enabled') === '1')
    return new AppError('REDIS_CLUSTER_NODE_AS_SERVER', { server: where });
  const policy = info.get('maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction')
    return new AppError('REDIS_EVICTION_POLICY', { server: where, policy });
  return null;
}

/**
 * What is wrong with the Redis behind `connection` for the queues (a catalogue error saying what to do), or
 * null when it suits them. Throws when Redis does not answer: that is an outage, not a set-up problem.
 */
export async function redisTopologyProblem(
  connection: RedisConnection,
  topology: RedisTopology,
): Promise<AppError | null> {
  if (connection instanceof Cluster) {
    for (const node of connection.nodes('master')) {
      const problem = await serverProblem(node, topology, `node ${node.options.host}:${node.options.port}`);
      if (problem) return problem;
    }
    return null;
  }
  return serverProblem(connection, topology, `${connection.options.host}:${connection.options.port}`);
}

/** A cluster client's error saying the server has no cluster mode: it will never become ready. */
const NOT_A_CLUSTER = /cluster support disabled/i;

/** The problem a connection error reveals about the set-up (a cluster client on a server without cluster mode), or null. */
export function redisErrorProblem(error: Error): AppError | null {
  const lastNodeError = (error as { lastNodeError?: Error }).lastNodeError;
  return NOT_A_CLUSTER.test(error.message) || NOT_A_CLUSTER.test(String(lastNodeError?.message))
    ? new AppError('REDIS_NOT_A_CLUSTER', {})
    : null;
}
