/**
 * Refuses a Redis the queues cannot work on, with one clear message, instead of a process that reports
 * itself healthy while it processes nothing: a single-server client pointed at a Cluster node (every
 * command for another slot answers MOVED), a cluster client pointed at a server without cluster mode, a
 * Sentinel given as the server, or a Redis that evicts keys under memory pressure (BullMQ loses jobs and
 * locks; it needs `maxmemory-policy noeviction`).
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisTopology } from '../config/redis';
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
async function serverProblem(server: Redis, topology: RedisTopology, where: string): Promise<string | null> {
  let info: Map<string, string>;
  try {
    info = infoFields(await server.info());
  } catch (error) {
    // An ACL without INFO: the service cannot check, BullMQ itself needs INFO for its version check.
    if (/NOPERM/.test((error as Error).message))
      return `Redis ${where} refuses INFO to this user (${(error as Error).message}); allow it in the user's ACL (+info)`;
    throw error;
  }
  if (info.get('redis_mode') === 'sentinel') {
    return `Redis ${where} is a Sentinel, not a data server: set REDIS_SENTINELS=<this host:port,…> and REDIS_SENTINEL_NAME=<the primary's name>`;
  }
  if (topology !== 'cluster' && info.get('cluster_enabled') === '1') {
    return `Redis ${where} is a node of a Redis Cluster, but the service was configured for a single server: commands for other slots would answer MOVED and the queues would not run. Set REDIS_CLUSTER_NODES=<host:port,…> (some or all nodes of the cluster)`;
  }
  const policy = info.get('maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction') {
    return `Redis ${where} has maxmemory-policy ${policy}: it may evict queue keys (jobs, locks) under memory pressure. Set maxmemory-policy noeviction (a managed service: in its parameter group / configuration)`;
  }
  return null;
}

/** What is wrong with the Redis behind `connection` for the queues, or null when it suits them. */
export async function redisTopologyProblem(
  connection: RedisConnection,
  topology: RedisTopology,
): Promise<string | null> {
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

/**
 * Checks the Redis whenever the connection becomes ready (at start and after every reconnect or
 * failover) and calls `onProblem` with the message when it does not suit the queues. Connection
 * failures are not problems here: the clients reconnect by themselves.
 */
export function guardRedisTopology(
  connection: RedisConnection,
  topology: RedisTopology,
  onProblem: (message: string) => void,
): void {
  let reported = false;
  const report = (message: string) => {
    if (reported) return;
    reported = true;
    onProblem(message);
  };
  const check = () => {
    redisTopologyProblem(connection, topology).then(
      (problem) => problem && report(problem),
      () => undefined, // unreachable again: checked on the next ready
    );
  };
  connection.on('ready', check);
  connection.on('error', (error: Error) => {
    if (
      NOT_A_CLUSTER.test(error.message) ||
      NOT_A_CLUSTER.test(String((error as { lastNodeError?: Error }).lastNodeError?.message))
    ) {
      report(
        'REDIS_CLUSTER_NODES is set, but Redis has no cluster mode (cluster support disabled): unset REDIS_CLUSTER_NODES for a single server',
      );
    }
  });
  if (connection.status === 'ready') check();
}
