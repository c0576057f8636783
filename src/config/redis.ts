/**
 * Where Redis is and how to reach it, as managed services offer it: one server (`REDIS_URL`), a Sentinel
 * set-up (`REDIS_SENTINELS` + master name) or a Redis Cluster (`REDIS_CLUSTER_NODES`), each over TLS
 * (`rediss://`, with `REDIS_TLS_CA` for a private CA) and with an ACL user (`rediss://user:password@…`).
 * src/queue/connection.ts turns it into ioredis' own `Redis` / `Cluster` clients.
 */
import { readFileSync } from 'node:fs';

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export type RedisTopology = 'standalone' | 'sentinel' | 'cluster';

export interface RedisTarget {
  readonly topology: RedisTopology;
  /** standalone: the server; sentinel: the sentinels; cluster: the seed nodes. */
  readonly nodes: readonly RedisNode[];
  /** Sentinel: the name the sentinels know the primary by. */
  readonly sentinelName: string | undefined;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
  /** ACL user (Redis 6+); unset: `default`. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** Set for `rediss://`: TLS, verified against `ca` when given (else the system CAs). */
  readonly tls: { readonly ca: string | undefined } | undefined;
  /** For messages: topology and nodes, never the password. */
  readonly display: string;
}

/** The raw variables, as in the environment. */
export interface RedisEnv {
  readonly REDIS_URL: string;
  readonly REDIS_TLS_CA?: string | undefined;
  readonly REDIS_SENTINELS?: string | undefined;
  readonly REDIS_SENTINEL_NAME?: string | undefined;
  readonly REDIS_SENTINEL_USERNAME?: string | undefined;
  readonly REDIS_SENTINEL_PASSWORD?: string | undefined;
  readonly REDIS_CLUSTER_NODES?: string | undefined;
}

/** `host:port,host:port` (IPv6 in brackets: `[::1]:6379`); throws naming the bad entry. */
export function parseNodeList(value: string, name: string): RedisNode[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = part.match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
      const port = Number(match?.[2]);
      if (!match?.[1] || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`${name}: '${part}' is not host:port`);
      }
      return { host: match[1].replace(/^\[(.+)\]$/, '$1'), port };
    });
}

/**
 * Reads the Redis variables. With REDIS_SENTINELS the URL's host is the primary's name (unless
 * REDIS_SENTINEL_NAME says otherwise); with REDIS_CLUSTER_NODES the URL's host:port is one more seed.
 * The URL always gives the scheme (TLS), the ACL user and password, and (not on a cluster) the database.
 */
export function parseRedisTarget(env: RedisEnv): RedisTarget {
  const url = new URL(env.REDIS_URL);
  const tlsOn = url.protocol === 'rediss:';
  if (env.REDIS_TLS_CA && !tlsOn) throw new Error('REDIS_TLS_CA: set, but REDIS_URL is not rediss:// (TLS)');
  let ca: string | undefined;
  if (env.REDIS_TLS_CA) {
    try {
      ca = readFileSync(env.REDIS_TLS_CA, 'utf8');
    } catch (error) {
      throw new Error(
        `REDIS_TLS_CA: ${env.REDIS_TLS_CA} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { cause: error },
      );
    }
  }
  if (env.REDIS_SENTINELS && env.REDIS_CLUSTER_NODES)
    throw new Error('REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one or the other');
  const host = decodeURIComponent(url.hostname.replace(/^\[(.+)\]$/, '$1'));
  const port = url.port ? Number(url.port) : 6379;
  const dbPath = url.pathname.replace(/^\//, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath))
    throw new Error(`REDIS_URL: the path '/${dbPath}' is not a database number`);
  const db = dbPath === '' ? 0 : Number(dbPath);
  const common = {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db,
    tls: tlsOn ? { ca } : undefined,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
  };
  const scheme = tlsOn ? 'rediss' : 'redis';
  const list = (nodes: readonly RedisNode[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (env.REDIS_SENTINELS) {
    const nodes = parseNodeList(env.REDIS_SENTINELS, 'REDIS_SENTINELS');
    const sentinelName = env.REDIS_SENTINEL_NAME ?? host;
    if (!sentinelName)
      throw new Error('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (or give the name as the host of REDIS_URL)');
    return {
      topology: 'sentinel',
      nodes,
      sentinelName,
      ...common,
      display: `${scheme} sentinel '${sentinelName}' via ${list(nodes)}`,
    };
  }
  if (env.REDIS_SENTINEL_NAME || env.REDIS_SENTINEL_PASSWORD || env.REDIS_SENTINEL_USERNAME) {
    throw new Error('REDIS_SENTINEL_NAME / _USERNAME / _PASSWORD: only used with REDIS_SENTINELS, which is not set');
  }
  if (env.REDIS_CLUSTER_NODES) {
    if (db !== 0) throw new Error('REDIS_URL: a Redis Cluster has only database 0');
    const seeds = parseNodeList(env.REDIS_CLUSTER_NODES, 'REDIS_CLUSTER_NODES');
    const nodes = host && !seeds.some((n) => n.host === host && n.port === port) ? [{ host, port }, ...seeds] : seeds;
    return {
      topology: 'cluster',
      nodes,
      sentinelName: undefined,
      ...common,
      display: `${scheme} cluster ${list(nodes)}`,
    };
  }
  return {
    topology: 'standalone',
    nodes: [{ host, port }],
    sentinelName: undefined,
    ...common,
    display: `${scheme}://${host}:${port}/${db}`,
  };
}
