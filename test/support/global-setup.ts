/**
 * One embedded PostgreSQL and one redis-server for the whole run, in a fresh
 * temporary directory (never the developer's .data). Migrations are applied once
 * to a template database through the real `bin/migrate.ts`; each test file
 * clones it (see database.ts) and uses its own queue prefix.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningService } from '../../src/runtime/embedded-postgres';
import { startRedisServer } from '../../src/runtime/redis-server';

export const TEMPLATE_DATABASE = 'app_template';
/** TimeZone of the test PostgreSQL server (TEST_POSTGRES_TIMEZONE overrides it). */
const TEST_SERVER_TIMEZONE = process.env.TEST_POSTGRES_TIMEZONE ?? 'Pacific/Kiritimati';

declare global {
  // Shared between globalSetup and globalTeardown, which Jest runs in one process.
  var __testServices: RunningService[] | undefined;
  var __testReaperPid: number | undefined;
}

export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'adp-test-'));
  chmodSync(root, 0o755); // the embedded server runs as the `postgres` user when we are root
  // The reaper records every process this run starts and stops them if Jest goes away without its teardown
  // (a timeout, Ctrl-C, a crash); the teardown stops what a test file left behind (test/support/reaper.ts).
  const reaper = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'reaper.ts'), String(process.pid), root],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  reaper.unref();
  globalThis.__testReaperPid = reaper.pid;
  // Whatever started is stopped again when a later step fails: a failed set-up leaves no server behind.
  const started: RunningService[] = [];
  globalThis.__testServices = started;
  try {
    await setUp(root, started);
  } catch (error) {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`test set-up failed (no server left running): ${message}`, { cause: error });
  }
}

async function setUp(root: string, started: RunningService[]): Promise<void> {
  const redis = await startRedisServer(root, { persistent: false });
  started.push(redis);
  const postgres = await startEmbeddedPostgres(root);
  started.push(postgres);

  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  // The server's time zone is far from UTC (+14 h), so a timestamp written in one zone and read in another
  // shows at once in any test (test/integration/clock.test.ts also runs -8 h databases).
  await admin.query(`ALTER SYSTEM SET timezone = ${admin.escapeLiteral(TEST_SERVER_TIMEZONE)}`);
  await admin.query('SELECT pg_reload_conf()');
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const templateUrl = postgres.url.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`);
  const migrate = spawnSync('npm', ['run', '--silent', 'db:migrate'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, DATABASE_URL: templateUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0)
    throw new Error(`migrating the test template failed:\n${migrate.stdout}\n${migrate.stderr}`);

  process.env.TEST_ROOT = root;
  process.env.TEST_POSTGRES_URL = postgres.url;
  process.env.TEST_REDIS_URL = redis.url;
}
