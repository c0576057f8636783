import path from 'node:path';
import { parseDatabaseUrl } from '../db/url';
import { parseRedisTarget, type RedisTarget } from './redis';
import { envSchema, type TrustProxy } from './schema';
import { resolveSecretFiles } from './secret-files';
import { productConfig, productEnvProblems, type ProductConfig } from './product';

/** Typed, frozen configuration, parsed once at start-up and passed down explicitly. */
export interface Config {
  readonly port: number;
  /** Address the API listens on (HOST): loopback by default; 0.0.0.0 in the image and the manifests. */
  readonly host: string;
  readonly dataDir: string;
  /** Unset: `npm start` runs an embedded PostgreSQL under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Named prepared statements, parsed once per connection (off behind a PgBouncer in transaction mode before 1.21). */
  readonly databasePreparedStatements: boolean;
  /** Unset: `npm start` runs redis-server from PATH under dataDir. */
  readonly redisUrl: string | undefined;
  /** Owner role's URL for migrations (MIGRATION_DATABASE_URL); unset: databaseUrl. */
  readonly migrationDatabaseUrl: string | undefined;
  /** Connections per process (DATABASE_POOL_SIZE); unset: the process kind's default. */
  readonly databasePoolSize: number | undefined;
  /** REDIS_URL with the Sentinel / Cluster / TLS variables; unset when REDIS_URL is. */
  readonly redis: RedisTarget | undefined;
  readonly workers: number;
  readonly workerConcurrency: number;
  readonly appdirect: {
    readonly consumerKey: string | undefined;
    readonly consumerSecret: string | undefined;
    /** Every OAuth 1.0a key/secret pair accepted (APPDIRECT_CONSUMER_KEY/_SECRET first). */
    readonly consumerCredentials: ReadonlyArray<{ readonly key: string; readonly secret: string }>;
    readonly basicUsername: string | undefined;
    readonly basicPassword: string | undefined;
    readonly oauth2ClientId: string | undefined;
    readonly oauth2ClientSecret: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    /** Origins (scheme://host:port) of the marketplaces allowed in eventUrl. */
    readonly marketplaceOrigins: readonly string[];
    /** Where the product's usage reports go (APPDIRECT_USAGE_API): the v1 billing API or metered-usage v2. */
    readonly usageApi: 'v1' | 'v2';
    /** The metered-usage v2 API's path on the account's marketplace (APPDIRECT_METERED_USAGE_PATH). */
    readonly meteredUsagePath: string;
  };
  /** Bearer tokens for /admin, each with the name recorded in the audit log; empty: /admin disabled. */
  readonly adminTokens: ReadonlyArray<{ readonly name: string; readonly token: string }>;
  readonly oauth2TokenTtlSeconds: number;
  readonly eventMaxAttempts: number;
  readonly eventBackoffMs: number;
  /**
   * The time budget of a synchronous answer, from the notification's arrival: the inline fetch (with the
   * marketplace token request), the account's locks and the apply of a SUBSCRIPTION_NOTICE all fit in it.
   */
  readonly syncAnswerBudgetMs: number;
  /** Base of the result-POST backoff (capped at 15 min between attempts). */
  readonly resultBackoffMs: number;
  /** Result-POST attempts; the default with the default backoff spans at least 24 h. */
  readonly resultMaxAttempts: number;
  /** How long events of an account wait for its provisioning hook before reporting PENDING. */
  readonly pendingWaitMs: number;
  /** Key prefix of every queue (a hash tag, so a Redis Cluster keeps each queue in one slot). */
  readonly queuePrefix: string;
  /** Worker process /metrics port (0: off). */
  readonly metricsPort: number;
  /** How long a worker's job lock lasts; a killed worker's job is taken over after about this long. */
  readonly jobLockMs: number;
  /** Jobs wait and the worker has not started or finished one for this long: /livez fails. */
  readonly workerStallMs: number;
  /** Module exporting the vendor's ProvisioningHooks; unset: hooks only log. */
  readonly provisioningHooksModule: string | undefined;
  /** The vendor's product: webhook or module, which kinds it decides, timeouts, product API tokens. */
  readonly product: ProductConfig;
  /** Express `trust proxy`: false, a hop count, or the proxies' addresses/subnets (never "everyone"). */
  readonly trustProxy: TrustProxy;
  /** Address a worker's /metrics listens on (loopback by default). */
  readonly metricsHost: string;
  /** Proxy for outbound HTTP to the marketplace (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). */
  readonly outboundProxy: {
    readonly httpsProxy: string | undefined;
    readonly httpProxy: string | undefined;
    readonly noProxy: string | undefined;
  };
  readonly logLevel: string;
}

/** Thrown when the environment is invalid; `problems` names every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Credentials that only make sense together. */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['APPDIRECT_CONSUMER_KEY', 'APPDIRECT_CONSUMER_SECRET'],
  ['APPDIRECT_BASIC_USERNAME', 'APPDIRECT_BASIC_PASSWORD'],
  ['APPDIRECT_OAUTH2_CLIENT_ID', 'APPDIRECT_OAUTH2_CLIENT_SECRET'],
  ['APPDIRECT_CLIENT_ID', 'APPDIRECT_CLIENT_SECRET'],
];

/**
 * Validates `environment` (normally `process.env`; secrets may come from `<NAME>_FILE` files, see
 * secret-files.ts) and returns the typed configuration.
 * Reports every problem at once rather than the first one.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const { env, problems } = resolveSecretFiles(environment);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(env)'}: ${issue.message}`);
    }
  }
  for (const [first, second] of PAIRS) {
    const hasFirst = env[first] !== undefined;
    const hasSecond = env[second] !== undefined;
    if (hasFirst !== hasSecond) {
      const missing = hasFirst ? second : first;
      problems.push(`${missing}: required when ${hasFirst ? first : second} is set`);
    }
  }
  const redis = parsed.success ? managedServiceProblems(parsed.data, problems) : undefined;
  problems.push(...productEnvProblems(env));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    redisUrl: e.REDIS_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redis,
    workers: e.WORKERS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    appdirect: Object.freeze({
      consumerKey: e.APPDIRECT_CONSUMER_KEY,
      consumerSecret: e.APPDIRECT_CONSUMER_SECRET,
      consumerCredentials: Object.freeze([
        ...(e.APPDIRECT_CONSUMER_KEY && e.APPDIRECT_CONSUMER_SECRET
          ? [{ key: e.APPDIRECT_CONSUMER_KEY, secret: e.APPDIRECT_CONSUMER_SECRET }]
          : []),
        ...e.APPDIRECT_CONSUMER_CREDENTIALS,
      ]),
      basicUsername: e.APPDIRECT_BASIC_USERNAME,
      basicPassword: e.APPDIRECT_BASIC_PASSWORD,
      oauth2ClientId: e.APPDIRECT_OAUTH2_CLIENT_ID,
      oauth2ClientSecret: e.APPDIRECT_OAUTH2_CLIENT_SECRET,
      clientId: e.APPDIRECT_CLIENT_ID,
      clientSecret: e.APPDIRECT_CLIENT_SECRET,
      usageApi: e.APPDIRECT_USAGE_API,
      meteredUsagePath: e.APPDIRECT_METERED_USAGE_PATH,
      marketplaceOrigins: Object.freeze([...e.APPDIRECT_MARKETPLACE_URLS]),
    }),
    adminTokens: Object.freeze(e.ADMIN_TOKEN.map((t) => Object.freeze({ ...t }))),
    oauth2TokenTtlSeconds: e.OAUTH2_TOKEN_TTL_SECONDS,
    eventMaxAttempts: e.EVENT_MAX_ATTEMPTS,
    eventBackoffMs: e.EVENT_BACKOFF_MS,
    syncAnswerBudgetMs: e.SYNC_ANSWER_BUDGET_MS,
    pendingWaitMs: e.PENDING_WAIT_MS,
    resultBackoffMs: e.RESULT_BACKOFF_MS,
    resultMaxAttempts: e.RESULT_MAX_ATTEMPTS,
    queuePrefix: e.QUEUE_PREFIX,
    jobLockMs: e.JOB_LOCK_MS,
    workerStallMs: e.WORKER_STALL_MS,
    metricsPort: e.METRICS_PORT,
    provisioningHooksModule: e.PROVISIONING_HOOKS_MODULE,
    product: productConfig(e),
    trustProxy: Array.isArray(e.TRUST_PROXY) ? Object.freeze([...e.TRUST_PROXY]) : e.TRUST_PROXY,
    metricsHost: e.METRICS_HOST,
    outboundProxy: Object.freeze({ httpsProxy: e.HTTPS_PROXY, httpProxy: e.HTTP_PROXY, noProxy: e.NO_PROXY }),
    logLevel: e.LOG_LEVEL,
  });
}

/**
 * Checks the database URLs as the service will read them (sslmode, files named in them…) and reads the
 * Redis variables; adds what is wrong to `problems`. Returns the Redis target when REDIS_URL is set.
 */
function managedServiceProblems(e: ReturnType<typeof envSchema.parse>, problems: string[]): RedisTarget | undefined {
  for (const [name, url] of [
    ['DATABASE_URL', e.DATABASE_URL],
    ['MIGRATION_DATABASE_URL', e.MIGRATION_DATABASE_URL],
  ] as const) {
    if (url === undefined) continue;
    try {
      parseDatabaseUrl(url);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (e.REDIS_URL === undefined) {
    const orphans = (['REDIS_SENTINELS', 'REDIS_CLUSTER_NODES', 'REDIS_TLS_CA'] as const).filter(
      (key) => e[key] !== undefined,
    );
    if (orphans.length > 0)
      problems.push(`REDIS_URL: required with ${orphans.join(', ')} (it gives the scheme, user and password)`);
    return undefined;
  }
  try {
    return Object.freeze(parseRedisTarget({ ...e, REDIS_URL: e.REDIS_URL }));
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}
