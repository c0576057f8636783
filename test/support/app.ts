import type { Express } from 'express';
import type { RedisConnection } from '../../src/queue/connection';
import type { Config } from '../../src/config';
import type { ProvisioningHooks } from '../../src/hooks';
import { Preflight } from '../../src/health/preflight';
import { usageReporter } from '../../src/billing/report-usage';
import { connectProduct } from '../../src/hooks/product';
import { buildApp, type AppDeps } from '../../src/http/app';
import { retryPolicies } from '../../src/jobs/retry-policy';
import { MarketplaceClient, outboundCredentials } from '../../src/marketplace/client';
import { createProcessMetrics, registerClusterGauges } from '../../src/metrics/registry';
import { QUEUES } from '../../src/queue/names';
import { Producer } from '../../src/queue/producer';
import {
  createTestDatabase,
  expectedMigrations,
  producerRedis,
  silentLogger,
  testConfig,
  testQueuePrefix,
  type TestDatabase,
} from './infra';

export interface TestApp {
  readonly app: Express;
  readonly deps: AppDeps;
  readonly db: TestDatabase;
  readonly redis: RedisConnection;
  readonly prefix: string;
  close(): Promise<void>;
}

/**
 * The real application on a fresh database (or `database`), a real Redis and its own queue prefix. Its product
 * is the one the env configures (PRODUCT_*), with `hooks` as the in-process module when given.
 */
export async function startTestApp(
  env: NodeJS.ProcessEnv,
  { hooks, ...overrides }: Partial<AppDeps> & { hooks?: ProvisioningHooks } = {},
  database?: TestDatabase,
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const prefix = env.QUEUE_PREFIX ?? testQueuePrefix();
  const config: Config = testConfig({ QUEUE_PREFIX: prefix, ...env });
  const redis = await producerRedis(config.redis ?? env.REDIS_URL);
  const producer = new Producer(redis, { prefix, policies: retryPolicies(config) });
  const marketplace = new MarketplaceClient({ credentials: outboundCredentials(config), timeoutMs: 5000 });
  const metrics = createProcessMetrics('api');
  registerClusterGauges(metrics.registry, {
    prisma: db.prisma,
    redis,
    queues: Object.values(QUEUES),
    queueCounts: (name) => producer.countsOf(name),
  });
  const shared = { redis, prefix, logger: silentLogger };
  const product =
    overrides.product ??
    (await connectProduct(config, silentLogger, {
      hooks,
      shared,
      reportUsage: usageReporter(db.prisma, producer, silentLogger),
    }));
  // As in the API process: started once, then on its own schedule; awaited so the first answer is known.
  const preflight = new Preflight({
    databaseUrl: db.url,
    redis: [redis],
    redisTopology: config.redis?.topology ?? 'standalone',
    logger: silentLogger,
  });
  if (!overrides.preflight) await preflight.start();
  const deps: AppDeps = {
    config,
    logger: silentLogger,
    prisma: db.prisma,
    redis,
    producer,
    marketplace,
    metrics,
    expectedMigrations: expectedMigrations(),
    preflight,
    ...overrides,
    product,
  };
  return {
    app: buildApp(deps),
    deps,
    db,
    redis,
    prefix,
    close: async () => {
      preflight.stop();
      await producer.close();
      redis.disconnect();
      // A database handed in belongs to the caller (another app may still be using it).
      if (!database) await db.drop();
    },
  };
}
