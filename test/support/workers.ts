import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { usageReporter } from '../../src/billing/report-usage';
import { moduleTransport, type ProvisioningHooks } from '../../src/hooks';
import { productConnection } from '../../src/hooks/product';
import { startSweeper } from '../../src/inbox/sweeper';
import { startJobWorkers } from '../../src/jobs';
import { retryPolicies } from '../../src/jobs/retry-policy';
import { createProcessMetrics, type ProcessMetrics } from '../../src/metrics/registry';
import { createWorkerConnection, type RedisConnection } from '../../src/queue/connection';
import { stopChild } from '../../src/runtime/child';
import type { TestApp } from './app';
import { silentLogger } from './infra';

export interface TestWorkers {
  readonly metrics: ProcessMetrics;
  close(): Promise<void>;
}

/** Real BullMQ workers, in this process, on the test app's database, Redis and queue prefix. */
export function startTestWorkers(
  subject: TestApp,
  options: { hooks?: ProvisioningHooks; redisUrl?: string; workerId?: string; sweepEveryMs?: number } = {},
): TestWorkers {
  const connection: RedisConnection = createWorkerConnection(
    subject.deps.config.redis ?? options.redisUrl ?? process.env.TEST_REDIS_URL!,
  );
  connection.on('error', () => undefined);
  const metrics = createProcessMetrics('worker');
  const consumers = startJobWorkers(
    {
      metrics,
      db: subject.db.prisma,
      marketplace: subject.deps.marketplace,
      config: subject.deps.config,
      logger: silentLogger,
      producer: subject.deps.producer,
      // Hooks given here replace the app's product transport (same modes and timeouts).
      product: options.hooks
        ? productConnection(
            moduleTransport(
              options.hooks,
              silentLogger,
              usageReporter(subject.db.prisma, subject.deps.producer, silentLogger),
            ),
            subject.deps.product.settings,
          )
        : subject.deps.product,
    },
    {
      connection,
      prefix: subject.prefix,
      workerId: options.workerId ?? 'test-worker',
      lockMs: subject.deps.config.jobLockMs,
      policies: retryPolicies(subject.deps.config),
    },
  );
  const sweeper = options.sweepEveryMs
    ? startSweeper(subject.db.prisma, subject.deps.producer, silentLogger, {
        intervalMs: options.sweepEveryMs,
        graceMs: 0,
      })
    : null;
  return {
    metrics,
    close: async () => {
      await sweeper?.stop();
      await consumers.close();
      connection.disconnect();
    },
  };
}

/** `npm run worker` as a separate OS process (for cross-process and kill -9 tests). */
export function spawnWorkerProcess(
  env: NodeJS.ProcessEnv,
  /** Node options before the entry (e.g. `--require` of a watch such as ./large-wasm-watch.cjs). */
  nodeArgs: readonly string[] = [],
): {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
} {
  const root = path.resolve(__dirname, '..', '..');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'workers/event-worker.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, stop: () => stopChild(child, 10_000).then(() => undefined) };
}

/** Polls `check` until it returns a truthy value (condition waits, not fixed sleeps). */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
