/**
 * Worker process entry point (`npm run worker`): consumes the events queue.
 */
import { Worker } from 'bullmq';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { createWorkerConnection } from '../src/queue/connection';
import { DEFAULT_QUEUE_PREFIX, QUEUES } from '../src/queue/names';
import { exitWithProblem, onShutdown } from '../src/runtime/shutdown';

function main(): void {
  const config = loadConfig();
  if (!config.databaseUrl || !config.redisUrl) {
    throw new Error('npm run worker needs DATABASE_URL and REDIS_URL; use npm start to run everything on embedded defaults.');
  }
  const logger = createLogger(config.logLevel, process.env.PROCESS_NAME ?? 'worker');
  const connection = createWorkerConnection(config.redisUrl);
  const worker = new Worker(QUEUES.events, null, { connection, prefix: DEFAULT_QUEUE_PREFIX, autorun: false });
  logger.info({ concurrency: config.workerConcurrency }, 'worker started');
  onShutdown(logger, [
    ['worker', () => worker.close()],
    ['redis', () => connection.quit()],
  ]);
}

try {
  main();
} catch (error) {
  exitWithProblem(error);
}
