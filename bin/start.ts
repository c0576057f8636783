/**
 * `npm start`: everything on one machine with embedded defaults.
 *
 * DATABASE_URL unset -> embedded PostgreSQL under DATA_DIR; REDIS_URL unset ->
 * redis-server from PATH under DATA_DIR. Then: migrate, start the API and WORKERS
 * worker processes, print the URLs. On Ctrl-C / SIGTERM it stops, in order, the
 * API, the workers, Redis and PostgreSQL (only what it started), within 10 s.
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../src/runtime/refuse-unsupported-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { applyMigrations } from '../src/db/migrations';
import { createLogger, type Logger } from '../src/logging/logger';
import { entryPoint, PACKAGE_ROOT } from '../src/package-root';
import { startBanner } from '../src/runtime/banner';
import { stopChild } from '../src/runtime/child';
import { embeddedPostgresDir } from '../src/runtime/embedded-data';
import { startEmbeddedPostgres, type RunningService } from '../src/runtime/embedded-postgres';
import { RedisNotInstalledError, startRedisServer } from '../src/runtime/redis-server';

interface Managed {
  readonly name: string;
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  child: ChildProcess | null;
  restarts: number;
}

class Supervisor {
  private stopping = false;
  private readonly managed: Managed[] = [];

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  add(name: string, file: string, env: NodeJS.ProcessEnv = {}): void {
    const entry: Managed = { name, file, env, child: null, restarts: 0 };
    this.managed.push(entry);
    this.launch(entry);
  }

  /** Starts a process; an unexpected exit restarts it with a growing delay. */
  private launch(entry: Managed): void {
    const child = spawn(process.execPath, entryPoint(entry.file).args, {
      cwd: PACKAGE_ROOT,
      env: { ...this.env, ...entry.env, PROCESS_NAME: entry.name },
      // Own process group: Ctrl-C reaches only the supervisor, which stops children in order.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    entry.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      entry.restarts += 1;
      const delayMs = Math.min(1000 * 2 ** Math.min(entry.restarts - 1, 5), 30_000);
      this.logger.error({ process: entry.name, code, signal, delayMs }, 'process exited unexpectedly; restarting');
      setTimeout(() => {
        if (!this.stopping) this.launch(entry);
      }, delayMs).unref();
    });
  }

  async stopAll(prefix: string, graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.managed
        .filter((m) => m.name.startsWith(prefix) && m.child)
        .map(async (m) => {
          const clean = await stopChild(m.child!, graceMs);
          if (!clean) this.logger.warn({ process: m.name }, `did not stop within ${graceMs} ms; killed`);
        }),
    );
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee the configuration table in README.md.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, 'supervisor');
  const started: Array<[string, RunningService]> = [];
  const stopServices = async () => {
    for (const [name, service] of started.reverse()) {
      await service.stop().catch((error: unknown) => logger.error({ err: error, service: name }, 'stop failed'));
    }
  };

  try {
    if (!config.redisUrl) {
      const redis = await startRedisServer(config.dataDir);
      started.push(['redis', redis]);
      logger.info({ url: redis.url }, 'started redis-server');
    }
    if (!config.databaseUrl) {
      const postgres = await startEmbeddedPostgres(config.dataDir);
      started.push(['postgres', postgres]);
      logger.info({ url: postgres.url.replace(/:[^:@/]+@/, ':***@') }, 'started embedded PostgreSQL');
    }
  } catch (error) {
    await stopServices();
    if (error instanceof RedisNotInstalledError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const databaseUrl = config.databaseUrl ?? started.find(([name]) => name === 'postgres')![1].url;
  const redisUrl = config.redisUrl ?? started.find(([name]) => name === 'redis')![1].url;

  try {
    const applied = await applyMigrations((config.databaseUrl && config.migrationDatabaseUrl) || databaseUrl);
    logger.info(
      { applied },
      applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date',
    );
  } catch (error) {
    await stopServices();
    throw error;
  }

  const supervisor = new Supervisor(config, logger, { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
  supervisor.add('api', 'src/http/server');
  for (let i = 1; i <= config.workers; i += 1) {
    supervisor.add(`worker-${i}`, 'workers/event-worker', { METRICS_PORT: String(config.port + i) });
  }

  process.stdout.write(
    startBanner(config, { postgresDataDir: config.databaseUrl ? undefined : embeddedPostgresDir(config.dataDir) }),
  );

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: API, workers, Redis, PostgreSQL');
    const force = setTimeout(() => process.exit(1), 10_000);
    await supervisor.stopAll('api', 2500);
    await supervisor.stopAll('worker', 4000);
    await stopServices();
    clearTimeout(force);
    logger.info('all stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
