/**
 * Redis as clouds offer it, each set-up running real events end to end: a 3-master Redis Cluster (every
 * key of the service in the one slot of its prefix), a Sentinel set-up with a failover in the middle of
 * the traffic (nothing lost, nothing applied twice), and a TLS-only Redis with an ACL user confined to the
 * service's prefix. A wrong topology or an evicting Redis is refused with one clear message.
 */
import { rmSync } from 'node:fs';
import { Cluster } from 'ioredis';
import { createProducerConnection, type RedisConnection } from '../../src/queue/connection';
import { redisTopologyProblem } from '../../src/queue/topology';
import { parseRedisTarget } from '../../src/config/redis';
import { assignEvent, orderEvent } from '../support/events';
import { createTestDatabase } from '../support/infra';
import { startScenario } from '../support/scenario';
import { makeTestCertificates, tlsPostgresUnavailable } from '../support/tls-postgres';
import {
  redisCliInstalled,
  redisCommand,
  startRedisCluster,
  startRedisProcess,
  startRedisSentinel,
  startRedisTls,
  type RedisClusterSetUp,
} from '../support/redis-topologies';
import { QUEUES } from '../../src/queue/names';
import { findFreePort } from '../../src/runtime/ports';
import { eventually, spawnWorkerProcess } from '../support/workers';

const skip = redisCliInstalled() ? null : 'redis-cli is not installed (apt-get install redis-tools)';
if (skip) console.warn(`managed Redis tests skipped: ${skip}`);
const describeIfRedis = skip ? describe.skip : describe;

async function ready(connection: RedisConnection): Promise<RedisConnection> {
  connection.on('error', () => undefined);
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  return connection;
}

describeIfRedis('Redis Cluster (3 masters)', () => {
  let cluster: RedisClusterSetUp;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs events end to end, every key the service writes in the one hash slot of its prefix', async () => {
    const [first, ...rest] = cluster.ports;
    const prefix = '{adp-cluster}';
    const s = await startScenario({
      REDIS_URL: `redis://127.0.0.1:${first}`,
      REDIS_CLUSTER_NODES: rest.map((port) => `127.0.0.1:${port}`).join(','),
      QUEUE_PREFIX: prefix,
    });
    try {
      expect(s.subject.redis).toBeInstanceOf(Cluster);
      const order = await s.send(orderEvent({ seats: 5 }));
      expect(order).toMatchObject({ success: true });
      const assigned = await Promise.all(
        Array.from({ length: 5 }, () => s.send(assignEvent(order.accountIdentifier!))),
      );
      expect(assigned.filter((r) => r.success)).toHaveLength(4);
      expect(await redisTopologyProblem(s.subject.redis, 'cluster')).toBeNull();

      const slot = Number(await redisCommand(first!, 'CLUSTER', 'KEYSLOT', prefix));
      const keysByNode = await Promise.all(
        cluster.ports.map(async (port) => (await redisCommand(port, 'KEYS', '*')) as string[]),
      );
      const allKeys = keysByNode.flat();
      expect(allKeys.length).toBeGreaterThan(3);
      expect(allKeys.filter((key) => !key.startsWith(`${prefix}:`))).toEqual([]);
      expect(keysByNode.filter((keys) => keys.length > 0)).toHaveLength(1); // one node holds them all: one slot
      for (const key of allKeys.slice(0, 20))
        expect(Number(await redisCommand(first!, 'CLUSTER', 'KEYSLOT', key))).toBe(slot);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('holds the jobs of a worker pointed at one cluster node as if it were a single server, saying why', async () => {
    const db = await createTestDatabase();
    // The node that does not own the prefix's slot: a single-server client would get MOVED for every queue command.
    const slot = Number(await redisCommand(cluster.ports[0]!, 'CLUSTER', 'KEYSLOT', '{appdirect}'));
    const slots = (await redisCommand(cluster.ports[0]!, 'CLUSTER', 'SLOTS')) as Array<
      [number, number, [string, number]]
    >;
    const owner = slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
    const other = cluster.ports.find((port) => port !== owner)!;
    const metricsPort = await findFreePort();
    const worker = spawnWorkerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${other}`,
      METRICS_PORT: String(metricsPort),
    });
    try {
      // It stays up (a restart would not change the set-up) and its readiness probe names the problem.
      const readyz = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        const body = (await res.json()) as { code?: string; message?: string };
        return body.code === 'DEPENDENCY_MISCONFIGURED' ? body : null;
      }, 20_000);
      expect(readyz.message).toBe(
        'Redis is set up in a way this service cannot work with (REDIS_CLUSTER_NODE_AS_SERVER).',
      );
      await eventually(async () => worker.output().includes('taking no jobs until the set-up is fixed'));
      expect(worker.output()).toMatch(
        /is a node of a Redis Cluster, but the service was configured for a single server.*Set REDIS_CLUSTER_NODES/,
      );
      expect(worker.child.exitCode).toBeNull();
      // At most one refusal per queue's consumer before the jobs are held (and one more), not one per command.
      expect(worker.output().match(/MOVED/g)?.length ?? 0).toBeLessThan(Object.keys(QUEUES).length + 2);
    } finally {
      await worker.stop();
      await db.drop();
    }
  }, 30_000);
});

describeIfRedis('Redis that may evict keys', () => {
  it('is refused with the setting to change', async () => {
    const dir = `/tmp/adp-redis-evict-${process.pid}`;
    const server = await startRedisProcess(dir, ['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
    const connection = await ready(createProducerConnection(`redis://127.0.0.1:${server.port}`));
    try {
      const problem = await redisTopologyProblem(connection, 'standalone');
      expect(problem?.code).toBe('REDIS_EVICTION_POLICY');
      expect(`${problem?.message} ${problem?.action}`).toMatch(
        /maxmemory-policy allkeys-lru: it may evict queue keys.*Set maxmemory-policy noeviction/,
      );
    } finally {
      connection.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeIfRedis('Redis Sentinel (primary, replica, sentinel)', () => {
  it('keeps processing through a failover, nothing lost and nothing applied twice', async () => {
    const sentinel = await startRedisSentinel();
    const s = await startScenario(
      { REDIS_URL: `redis://${sentinel.masterName}`, REDIS_SENTINELS: `127.0.0.1:${sentinel.sentinelPort}` },
      { sweepEveryMs: 250 },
    );
    try {
      const before = await sentinel.primaryPort();
      const first = await Promise.all(Array.from({ length: 15 }, () => s.post(orderEvent({ seats: 2 }))));
      const promoted = await sentinel.failover();
      expect(promoted).not.toBe(before);
      const second = await Promise.all(Array.from({ length: 15 }, () => s.post(orderEvent({ seats: 2 }))));
      const all = [...first, ...second];
      expect(all.every((sent) => sent.status === 202)).toBe(true);
      for (const { token } of all) expect(await s.resultOf(token, 40_000)).toMatchObject({ success: true });
      await eventually(async () => (await s.subject.db.prisma.account.count()) === 30, 10_000);
      // Exactly once: one account and one result per event, however the failover cut the work.
      expect(await s.subject.db.prisma.account.count()).toBe(30);
      for (const { token } of all) expect(s.marketplace.resultsFor(token)).toHaveLength(1);
      expect(await redisTopologyProblem(s.subject.redis, 'sentinel')).toBeNull();
    } finally {
      await s.close();
      await sentinel.stop();
    }
  }, 90_000);
});

const tlsSkip = tlsPostgresUnavailable(); // the same openssl set-up makes the certificates
describeIfRedis('Redis over TLS with an ACL user', () => {
  (tlsSkip ? it.skip : it)(
    "runs events end to end as a user confined to the service's prefix",
    async () => {
      const { dir, certificates } = makeTestCertificates('adp-redis-certs-');
      const prefix = '{adp-tls}';
      const user = { name: 'provisioner', password: 'redis-acl-pw', keyPattern: `${prefix}*` };
      const server = await startRedisTls(certificates, user);
      const url = `rediss://${user.name}:${user.password}@127.0.0.1:${server.port}`;
      const s = await startScenario({ REDIS_URL: url, REDIS_TLS_CA: certificates.caFile, QUEUE_PREFIX: prefix });
      try {
        const order = await s.send(orderEvent({ seats: 3 }));
        expect(order).toMatchObject({ success: true });
        expect(await s.send(assignEvent(order.accountIdentifier!))).toMatchObject({ success: true });
        // The ACL is real: the same user may not write outside the prefix.
        await expect(s.subject.redis.set('outside-the-prefix', '1')).rejects.toThrow(/NOPERM/);
        // And without the CA the server's certificate is not trusted.
        const untrusted = createProducerConnection(parseRedisTarget({ REDIS_URL: url }), { retryStrategy: () => null });
        const failure = await new Promise<Error>((resolve) => untrusted.once('error', resolve));
        untrusted.disconnect();
        expect(failure.message).toMatch(/self[- ]signed certificate|unable to verify|local issuer/i);
      } finally {
        await s.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
