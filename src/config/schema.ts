import { isIP } from 'node:net';
import { z } from 'zod';
import { RETRY_DEFAULTS } from './retry-defaults';
import { productEnvSchema } from './product';

/** A secret may be absent (feature off) but never set to an empty string. */
const optionalSecret = z.string().min(1, 'is set but empty; unset it or give it a value').optional();

/** Admin tokens guard every event and account; a short one can be guessed. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const urlList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return [] as string[];
    const origins: string[] = [];
    for (const raw of value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      try {
        const url = new URL(raw);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
        origins.push(url.origin);
      } catch {
        ctx.addIssue({ code: 'custom', message: `'${raw}' is not an http(s) URL` });
      }
    }
    return origins;
  });

/** Express `trust proxy`: off, the number of proxy hops in front, or the proxies' addresses/subnets. */
export type TrustProxy = false | number | readonly string[];

const NAMED_SUBNETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrSubnet(entry: string): boolean {
  if (NAMED_SUBNETS.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY's text as an Express `trust proxy` value, or '!<problem>'. `true` (believe every
 * X-Forwarded-For) is refused: anyone could then choose their address and host.
 */
export function trustProxySetting(value: string): TrustProxy | `!${string}` {
  const text = value.trim();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true')
    return "!`true` would believe any client's X-Forwarded-For; give the number of proxies (1 behind one load balancer) or their addresses";
  if (/^\d+$/.test(text)) return Number(text) <= 10 ? Number(text) : '!a hop count above 10 is not plausible';
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => !isAddressOrSubnet(entry));
  if (bad.length > 0)
    return `!'${bad.join("', '")}' is not an IP address, a subnet (10.0.0.0/8) or loopback/linklocal/uniquelocal`;
  return entries;
}

/**
 * Every environment variable the service reads. The README's configuration table
 * lists the same names; keep both in step.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address the API listens on: loopback unless set (0.0.0.0 in a container, where the platform routes to it). */
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .refine(
      (host) => isIP(host) !== 0,
      'must be an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)',
    ),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_PREPARED_STATEMENTS: z
    .enum(['true', 'false', '1', '0', ''])
    .default('true')
    .transform((value) => value !== 'false' && value !== '0'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // Managed PostgreSQL and Redis (docs/deploy.md, "Managed PostgreSQL and Redis").
  /** Owner role for migrations; unset: DATABASE_URL. */
  MIGRATION_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Connections per process; unset: 10 for the API, WORKER_CONCURRENCY + 4 for a worker. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).optional(),
  REDIS_TLS_CA: z.string().min(1).optional(),
  REDIS_SENTINELS: z.string().min(1).optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: optionalSecret,
  REDIS_CLUSTER_NODES: z.string().min(1).optional(),
  WORKERS: z.coerce.number().int().min(0).max(64).default(1),
  WORKER_CONCURRENCY: positiveInt(8),
  APPDIRECT_CONSUMER_KEY: optionalSecret,
  APPDIRECT_CONSUMER_SECRET: optionalSecret,
  /** More OAuth 1.0a credentials: `KEY:SECRET,KEY:SECRET` (a key may appear twice while its secret rotates). */
  APPDIRECT_CONSUMER_CREDENTIALS: z
    .string()
    .min(1, 'is set but empty; unset it or give it a value')
    .optional()
    .transform((value, ctx) => {
      const pairs: Array<{ key: string; secret: string }> = [];
      for (const part of (value ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const at = part.indexOf(':');
        if (at <= 0 || at === part.length - 1) {
          ctx.addIssue({ code: 'custom', message: 'expected KEY:SECRET pairs separated by commas' });
          continue;
        }
        pairs.push({ key: part.slice(0, at), secret: part.slice(at + 1) });
      }
      return pairs;
    }),
  APPDIRECT_BASIC_USERNAME: optionalSecret,
  APPDIRECT_BASIC_PASSWORD: optionalSecret,
  APPDIRECT_OAUTH2_CLIENT_ID: optionalSecret,
  APPDIRECT_OAUTH2_CLIENT_SECRET: optionalSecret,
  APPDIRECT_CLIENT_ID: optionalSecret,
  APPDIRECT_CLIENT_SECRET: optionalSecret,
  APPDIRECT_MARKETPLACE_URLS: urlList,
  /** Where usage the product reports goes: v1 billing API, or the metered-usage v2 API (an idempotency key). */
  APPDIRECT_USAGE_API: z.enum(['v1', 'v2']).default('v1'),
  APPDIRECT_METERED_USAGE_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a path on the marketplace, e.g. /api/metering/v1/billing/usage')
    .default('/api/metering/v1/billing/usage'),
  /** `token`, or named tokens `name:token,name:token` (the name goes into the audit log). */
  ADMIN_TOKEN: optionalSecret.transform((value, ctx) => {
    if (value === undefined) return [] as Array<{ name: string; token: string }>;
    const tokens: Array<{ name: string; token: string }> = [];
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const colon = entry.indexOf(':');
      const name = colon > 0 ? entry.slice(0, colon) : 'admin';
      const token = colon > 0 ? entry.slice(colon + 1) : entry;
      if (token.length < ADMIN_TOKEN_MIN_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          message: `the token of '${name}' has ${token.length} characters; use at least ${ADMIN_TOKEN_MIN_LENGTH} (openssl rand -hex 32)`,
        });
      }
      tokens.push({ name, token });
    }
    return tokens;
  }),
  OAUTH2_TOKEN_TTL_SECONDS: positiveInt(3600),
  EVENT_MAX_ATTEMPTS: positiveInt(RETRY_DEFAULTS.event.attempts),
  EVENT_BACKOFF_MS: positiveInt(RETRY_DEFAULTS.event.baseMs),
  /**
   * AppDirect waits 5 s for a synchronous answer, counted from when it sends the notification. Answers leave
   * within their budget (`npm run bench:sync`: worst 4,279 ms of 4,300 with 8 notices at once; docs/benchmarks.md,
   * "Synchronous answers"); the default leaves 700 ms for the network both ways, the time before the request
   * reaches the service, and a machine busier than the one measured.
   */
  SYNC_ANSWER_BUDGET_MS: z.coerce.number().int().min(200).max(4800).default(4300),
  RESULT_BACKOFF_MS: positiveInt(RETRY_DEFAULTS.result.baseMs),
  RESULT_MAX_ATTEMPTS: positiveInt(RETRY_DEFAULTS.result.attempts),
  PENDING_WAIT_MS: positiveInt(300_000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[^{}]+\}$/, 'must be a Redis Cluster hash tag such as {appdirect}')
    .default('{appdirect}'),
  /** Port of a worker process's /metrics; 0 turns it off. `npm start` gives worker N the port PORT+N. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** A worker that neither starts nor finishes a job this long while jobs wait fails its liveness probe. */
  WORKER_STALL_MS: z.coerce.number().int().min(1000).default(120_000),
  PROVISIONING_HOOKS_MODULE: z.string().min(1).optional(),
  ...productEnvSchema,
  /** Which proxies' X-Forwarded-* headers to believe: a hop count or addresses/subnets (see trustProxySetting). */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx) => {
      const setting = trustProxySetting(value);
      if (typeof setting === 'string' && setting.startsWith('!')) {
        ctx.addIssue({ code: 'custom', message: setting.slice(1) });
        return z.NEVER;
      }
      return setting as TrustProxy;
    }),
  /** Address a worker's /metrics listens on; loopback unless set (e.g. 0.0.0.0 for a scraper on another host). */
  METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .refine((host) => isIP(host) !== 0, 'must be an IP address such as 127.0.0.1 or 0.0.0.0'),
  /** Outbound proxy for calls to the marketplace (src/marketplace/proxy.ts); NO_PROXY lists hosts reached directly. */
  HTTPS_PROXY: z.url({ protocol: /^https?$/ }).optional(),
  HTTP_PROXY: z.url({ protocol: /^https?$/ }).optional(),
  NO_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawEnv = z.input<typeof envSchema>;
