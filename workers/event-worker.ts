/**
 * Worker process entry point (`npm run worker`; `npm start` runs WORKERS of
 * them): consumes the events, results and hooks queues with WORKER_CONCURRENCY,
 * sweeps stranded work, and stops cleanly on SIGTERM (in-flight jobs finish;
 * anything cut short is taken over by another worker as a stalled job).
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../src/runtime/refuse-unsupported-node';
import { hostname } from 'node:os';
import { usageReporter } from '../src/billing/report-usage';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';
import { migrationNames } from '../src/db/migrations';
import type { PreflightReport } from '../src/health/preflight';
import { workerProbes } from '../src/health/probes';
import { productCallObserver } from '../src/hooks/metrics';
import { connectProduct } from '../src/hooks/product';
import { startSweeper } from '../src/inbox/sweeper';
import { createLogger } from '../src/logging/logger';
import { MarketplaceClient, outboundCredentials } from '../src/marketplace/client';
import { useOutboundProxy } from '../src/marketplace/proxy';
import { createProducerConnection, createWorkerConnection } from '../src/queue/connection';
import { startJobWorkers } from '../src/jobs';
import { retryPolicies } from '../src/jobs/retry-policy';
import { createProcessMetrics } from '../src/metrics/registry';
import { serveMetrics } from '../src/metrics/server';
import { QUEUES } from '../src/queue/names';
import { Producer } from '../src/queue/producer';
import { guardDependencies } from '../src/runtime/dependency-guards';
import { exitWithProblem, onShutdown } from '../src/runtime/shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.redisUrl) {
    throw new Error(
      'npm run worker needs DATABASE_URL and REDIS_URL; use npm start to run everything on embedded defaults.',
    );
  }
  const workerId = `${hostname()}:${process.pid}`;
  const logger = createLogger(config.logLevel, process.env.PROCESS_NAME ?? 'worker');
  if (useOutboundProxy(config.outboundProxy).enabled)
    logger.info('outbound calls to the marketplace go through HTTPS_PROXY/HTTP_PROXY');
  const poolSize = config.databasePoolSize ?? config.workerConcurrency + 4;
  // The worker holds the database's pool only, never a Prisma client: every statement it sends goes through
  // the plain-SQL runner (src/db/sql.ts), so its process never loads Prisma's query compiler.
  const db = createDatabase(config.databaseUrl, { poolSize, preparedStatements: config.databasePreparedStatements });
  const connection = createWorkerConnection(config.redis ?? config.redisUrl);
  const producerConnection = createProducerConnection(config.redis ?? config.redisUrl);
  const preflight = guardDependencies({
    databaseUrl: config.databaseUrl,
    redis: [connection, producerConnection],
    redisTopology: config.redis?.topology ?? 'standalone',
    logger,
  });
  const policies = retryPolicies(config);
  const producer = new Producer(producerConnection, { prefix: config.queuePrefix, policies });
  const marketplace = new MarketplaceClient({ credentials: outboundCredentials(config) });
  const metrics = createProcessMetrics('worker');
  const product = await connectProduct(config, logger, {
    observe: productCallObserver(metrics.registry),
    // The producer profile: a breaker check must fail fast while Redis is away, not wait for it.
    shared: { redis: producerConnection, prefix: config.queuePrefix, logger },
    reportUsage: usageReporter(db, producer, logger),
  });
  const consumers = startJobWorkers(
    { db, marketplace, config, logger, producer, product, metrics },
    { connection, prefix: config.queuePrefix, workerId, lockMs: config.jobLockMs, policies },
  );
  // While the preflight finds PostgreSQL or Redis set up wrong, take no jobs: each would fail, or be lost by
  // an evicting Redis. Jobs in hand finish; the queues resume by themselves once the problem is fixed.
  let held = false;
  const holdJobs = ({ problems }: PreflightReport) => {
    const hold = problems.length > 0;
    if (hold === held) return;
    held = hold;
    if (hold) logger.warn({ problems: problems.map((p) => p.code) }, 'taking no jobs until the set-up is fixed');
    else logger.info('taking jobs again');
    for (const worker of consumers.workers)
      (hold ? worker.pause() : worker.resume()).catch((error: unknown) =>
        logger.error({ err: (error as Error).message }, hold ? 'could not pause a queue' : 'could not resume a queue'),
      );
  };
  preflight.onChange(holdJobs);
  holdJobs(preflight.report()); // its first run may have finished already
  const probes = workerProbes({
    health: { db, redis: producerConnection, expectedMigrations: migrationNames(), preflight },
    activity: () => consumers.activity.snapshot(),
    waitingJobs: async () => {
      const counts = await Promise.all(Object.values(QUEUES).map((name) => producer.countsOf(name)));
      return counts.reduce((sum, count) => sum + (count.waiting ?? 0) + (count.prioritized ?? 0), 0);
    },
    stallAfterMs: config.workerStallMs,
  });
  const metricsServer =
    config.metricsPort > 0
      ? serveMetrics(
          metrics.registry,
          config.metricsPort,
          (error) =>
            logger.error(
              { err: error.message, port: config.metricsPort },
              '/metrics is not served: set METRICS_PORT to a free port (0 turns it off)',
            ),
          probes,
          config.metricsHost,
        )
      : null;
  const sweeper = startSweeper(db, producer, logger);
  logger.info(
    { workerId, concurrency: config.workerConcurrency, metricsPort: config.metricsPort || 'off' },
    'worker started',
  );
  onShutdown(logger, [
    ['preflight', async () => preflight.stop()],
    ['sweeper', () => sweeper.stop()],
    ['consumers', () => consumers.close()],
    ['producer', () => producer.close()],
    ['redis', () => Promise.all([connection.quit(), producerConnection.quit()])],
    ['database', () => db.end()],
    ['metrics', async () => metricsServer?.close()],
  ]);
}

main().catch(exitWithProblem);
