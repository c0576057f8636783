/**
 * Redis as managed services run it, from Debian's redis-server and redis-cli, all on loopback: a
 * 3-master Redis Cluster, a Sentinel set-up (primary, replica, sentinel), and a TLS-only server with an
 * ACL user. Each server runs in its own process group and is stopped with the set-up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { detachHandles, stopChild } from '../../src/runtime/child';
import { findFreePort, waitForPort } from '../../src/runtime/ports';

export const redisCliInstalled = (): boolean => !spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).error;

export interface RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** redis-server with `args` (after a generated `--port`), or a config file first when `configFile` is given. */
export async function startRedisProcess(
  dir: string,
  args: string[],
  options: { configFile?: string; port?: number; waitPort?: boolean } = {},
): Promise<RedisProcess> {
  const port = options.port ?? (await findFreePort());
  mkdirSync(dir, { recursive: true });
  const argv = [
    ...(options.configFile ? [options.configFile] : []),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    ...args,
  ];
  const child = spawn('redis-server', argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server ${argv.join(' ')} exited with ${code}: ${output}`))),
  );
  if (options.waitPort ?? true) await Promise.race([waitForPort(port, 10_000), exited]);
  child.removeAllListeners('exit');
  detachHandles(child);
  return { port, child, stop: async () => void (await stopChild(child, 5000)) };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One command on a short-lived connection. */
export async function redisCommand(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

export interface RedisSetUp {
  readonly dir: string;
  stop(): Promise<void>;
}

export interface RedisClusterSetUp extends RedisSetUp {
  readonly ports: readonly number[];
}

/** Three masters with cluster mode on, joined by `redis-cli --cluster create`, slots all covered. */
export async function startRedisCluster(): Promise<RedisClusterSetUp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adp-redis-cluster-'));
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await findFreePort();
    nodes.push(
      await startRedisProcess(
        path.join(dir, String(port)),
        [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          '--maxmemory-policy',
          'noeviction',
        ],
        { port },
      ),
    );
  }
  const ports = nodes.map((node) => node.port);
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`);
  for (const port of ports) {
    await until(
      async () => String(await redisCommand(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      `cluster state ok on ${port}`,
    );
  }
  return {
    dir,
    ports,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisSentinelSetUp extends RedisSetUp {
  readonly sentinelPort: number;
  readonly masterName: string;
  /** Port of the server the sentinel currently names as primary. */
  primaryPort(): Promise<number>;
  /** Makes the sentinel promote the replica now; resolves once it names the new primary. */
  failover(): Promise<number>;
}

/** A primary, a replica of it, and one sentinel (quorum 1) watching them. */
export async function startRedisSentinel(masterName = 'adpmaster'): Promise<RedisSentinelSetUp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adp-redis-sentinel-'));
  const common = ['--maxmemory-policy', 'noeviction'];
  const primary = await startRedisProcess(path.join(dir, 'primary'), common);
  const replica = await startRedisProcess(path.join(dir, 'replica'), [
    ...common,
    '--replicaof',
    '127.0.0.1',
    String(primary.port),
  ]);
  await until(
    async () => String(await redisCommand(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
    'replica in sync',
  );
  const sentinelPort = await findFreePort();
  const configFile = path.join(dir, 'sentinel.conf');
  writeFileSync(
    configFile,
    [
      `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 5000`,
      `sentinel parallel-syncs ${masterName} 1`,
      '',
    ].join('\n'),
  );
  const sentinel = await startRedisProcess(path.join(dir, 'sentinel'), ['--sentinel'], {
    configFile,
    port: sentinelPort,
  });
  const primaryPort = async () =>
    Number(((await redisCommand(sentinelPort, 'SENTINEL', 'get-master-addr-by-name', masterName)) as string[])[1]);
  // The sentinel must know the replica before it can promote it.
  await until(
    async () => ((await redisCommand(sentinelPort, 'SENTINEL', 'replicas', masterName)) as unknown[]).length > 0,
    'sentinel sees the replica',
  );
  return {
    dir,
    sentinelPort,
    masterName,
    primaryPort,
    failover: async () => {
      const before = await primaryPort();
      await redisCommand(sentinelPort, 'SENTINEL', 'FAILOVER', masterName);
      await until(async () => (await primaryPort()) !== before, 'sentinel failover');
      return primaryPort();
    },
    stop: async () => {
      await Promise.all([sentinel.stop(), replica.stop(), primary.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisTlsSetUp extends RedisSetUp {
  readonly port: number;
}

/**
 * TLS only (`--port 0`, `--tls-port`), the `default` user off and one ACL user that may only touch keys
 * under `keyPattern` (the service's prefix): a key written elsewhere is refused (NOPERM).
 */
export async function startRedisTls(
  certificates: { certFile: string; keyFile: string; caFile: string },
  user: { name: string; password: string; keyPattern: string },
): Promise<RedisTlsSetUp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adp-redis-tls-'));
  const port = await findFreePort();
  const server = await startRedisProcess(
    dir,
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      certificates.certFile,
      '--tls-key-file',
      certificates.keyFile,
      '--tls-ca-cert-file',
      certificates.caFile,
      '--tls-auth-clients',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--user',
      'default',
      'off',
      '--user',
      user.name,
      'on',
      `>${user.password}`,
      `~${user.keyPattern}`,
      '&*',
      '+@all',
      '-@admin',
    ],
    { port: 0, waitPort: false },
  );
  await waitForPort(port, 10_000);
  return {
    dir,
    port,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
