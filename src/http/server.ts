/**
 * API process entry point (`npm run api`): serves HTTP on PORT against
 * DATABASE_URL and REDIS_URL, which must be set (`npm start` sets them when it
 * runs the embedded servers).
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../runtime/refuse-unsupported-node';
import { loadConfig } from '../config';
import { createPrisma } from '../db/client';
import { migrationNames } from '../db/migrations';
import { createLogger } from '../logging/logger';
import { purgeExpiredNonces } from '../inbox/record';
import { purgeOldAnswers } from '../restrictions/record';
import { retryPolicies } from '../jobs/retry-policy';
import { MarketplaceClient, outboundCredentials } from '../marketplace/client';
import { useOutboundProxy } from '../marketplace/proxy';
import { createProducerConnection } from '../queue/connection';
import { createProcessMetrics, registerClusterGauges } from '../metrics/registry';
import { QUEUES } from '../queue/names';
import { Producer } from '../queue/producer';
import { guardDependencies } from '../runtime/dependency-guards';
import { exitWithProblem, onShutdown } from '../runtime/shutdown';
import { productCallObserver, registerProductBacklog } from '../hooks/metrics';
import { usageReporter } from '../billing/report-usage';
import { connectProduct } from '../hooks/product';
import { buildApp } from './app';
import { apiListenOptions, describeListening } from '../runtime/listen-address';
import { createHttpServer, listen } from './http-server';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.redisUrl) {
    throw new Error(
      'npm run api needs DATABASE_URL and REDIS_URL; use npm start to run everything on embedded defaults.',
    );
  }
  const logger = createLogger(config.logLevel, 'api');
  if (useOutboundProxy(config.outboundProxy).enabled)
    logger.info('outbound calls to the marketplace go through HTTPS_PROXY/HTTP_PROXY');
  const prisma = createPrisma(config.databaseUrl, {
    poolSize: config.databasePoolSize ?? 10,
    preparedStatements: config.databasePreparedStatements,
  });
  const redis = createProducerConnection(config.redis ?? config.redisUrl);
  const preflight = guardDependencies({
    databaseUrl: config.databaseUrl,
    redis: [redis],
    redisTopology: config.redis?.topology ?? 'standalone',
    logger,
  });
  const producer = new Producer(redis, { prefix: config.queuePrefix, policies: retryPolicies(config) });
  const marketplace = new MarketplaceClient({ credentials: outboundCredentials(config) });
  const metrics = createProcessMetrics('api');
  registerClusterGauges(metrics.registry, {
    prisma,
    redis,
    queues: Object.values(QUEUES),
    queueCounts: (name) => producer.countsOf(name),
  });
  const product = await connectProduct(config, logger, {
    observe: productCallObserver(metrics.registry),
    shared: { redis, prefix: config.queuePrefix, logger },
    reportUsage: usageReporter(prisma, producer, logger),
  });
  registerProductBacklog(metrics.registry, prisma, product.transport.name);
  const app = buildApp({
    config,
    logger,
    prisma,
    redis,
    producer,
    marketplace,
    metrics,
    product,
    expectedMigrations: migrationNames(),
    preflight,
  });
  // Nonces only matter inside the timestamp window, restriction answers for ANSWERS_KEPT_DAYS: drop older ones
  // now and then.
  const purge = setInterval(() => {
    purgeExpiredNonces(prisma).catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'nonce purge failed'),
    );
    purgeOldAnswers(prisma).catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'restriction answers purge failed'),
    );
  }, 60_000);
  purge.unref();
  const server = createHttpServer(app, logger);
  server.keepAliveTimeout = 65_000;
  onShutdown(
    logger,
    [
      [
        'http',
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ],
      ['preflight', async () => preflight.stop()],
      ['queues', () => producer.close()],
      ['redis', () => redis.quit()],
      ['prisma', () => prisma.$disconnect()],
    ],
    8_000,
  );
  // HOST decides who can connect (loopback unless set); the log says the address really bound.
  const { address, port } = await listen(server, apiListenOptions(config));
  logger.info({ host: address, port }, `API listening on ${describeListening({ host: address, port })}`);
}

main().catch(exitWithProblem);
