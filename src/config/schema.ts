import { z } from 'zod';
import { RETRY_DEFAULTS } from '../jobs/retry-policy';
import { productEnvSchema } from './product';

/** A secret may be absent (feature off) but never set to an empty string. */
const optionalSecret = z
  .string()
  .min(1, 'is set but empty; unset it or give it a value')
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const urlList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return [] as string[];
    const origins: string[] = [];
    for (const raw of value.split(',').map((part) => part.trim()).filter(Boolean)) {
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

/**
 * Every environment variable the service reads. The README's configuration table
 * lists the same names; keep both in step.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_PREPARED_STATEMENTS: z
    .enum(['true', 'false', '1', '0', ''])
    .default('true')
    .transform((value) => value !== 'false' && value !== '0'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
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
      for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
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
  /** `token`, or named tokens `name:token,name:token` (the name goes into the audit log). */
  ADMIN_TOKEN: optionalSecret.transform((value, ctx) => {
    if (value === undefined) return [] as Array<{ name: string; token: string }>;
    const tokens: Array<{ name: string; token: string }> = [];
    const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
    for (const entry of entries) {
      const colon = entry.indexOf(':');
      const name = colon > 0 ? entry.slice(0, colon) : 'admin';
      const token = colon > 0 ? entry.slice(colon + 1) : entry;
      if (token.length < 16) ctx.addIssue({ code: 'custom', message: `the token of '${name}' is shorter than 16 characters` });
      tokens.push({ name, token });
    }
    return tokens;
  }),
  OAUTH2_TOKEN_TTL_SECONDS: positiveInt(3600),
  EVENT_MAX_ATTEMPTS: positiveInt(RETRY_DEFAULTS.event.attempts),
  EVENT_BACKOFF_MS: positiveInt(RETRY_DEFAULTS.event.baseMs),
  /** AppDirect waits 5 s for a synchronous answer; the default leaves room for the network and a slow moment. */
  SYNC_ANSWER_BUDGET_MS: z.coerce.number().int().min(200).max(4500).default(3000),
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
  PROVISIONING_HOOKS_MODULE: z.string().min(1).optional(),
  ...productEnvSchema,
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawEnv = z.input<typeof envSchema>;
