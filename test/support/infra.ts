import { randomBytes } from 'node:crypto';
import type { RedisConnection, RedisLocation } from '../../src/queue/connection';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config';
import { createPrisma, type PrismaClient } from '../../src/db/client';
import { migrationNames } from '../../src/db/migrations';
import { createLogger } from '../../src/logging/logger';
import { createProducerConnection } from '../../src/queue/connection';

const TEMPLATE_DATABASE = 'app_template';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global-setup starts the servers)`);
  return value;
}

export const postgresUrl = (): string => required('TEST_POSTGRES_URL');
export const redisUrl = (): string => required('TEST_REDIS_URL');
export const silentLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export interface TestDatabase {
  readonly url: string;
  readonly prisma: PrismaClient;
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from the migrated template, with a Prisma client on it. `timezone`: the database's
 * own TimeZone setting (every session on it starts in that zone), instead of the test server's.
 */
export async function createTestDatabase(options: { timezone?: string } = {}): Promise<TestDatabase> {
  const name = uniqueName('t');
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  if (options.timezone)
    await admin.query(`ALTER DATABASE ${name} SET timezone = ${admin.escapeLiteral(options.timezone)}`);
  await admin.end();
  const url = postgresUrl().replace(/\/postgres$/, `/${name}`);
  const prisma = createPrisma(url, { poolSize: 5 });
  return {
    url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      const dropper = new pg.Client({ connectionString: postgresUrl() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A queue prefix of its own (a Redis Cluster hash tag, like production's). */
export const testQueuePrefix = (): string => `{${uniqueName('test')}}`;

/** A producer-profile connection, once ready (it refuses commands before). */
export async function producerRedis(location: RedisLocation = redisUrl()): Promise<RedisConnection> {
  const redis = createProducerConnection(location);
  redis.on('error', () => undefined);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/** Configuration for tests: the real loader over a small environment. */
export function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

export const expectedMigrations = migrationNames;
