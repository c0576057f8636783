/**
 * The variables that connect the vendor's product (src/hooks/): where calls go, how they are signed, which
 * kinds the product decides, how long it may take, and the tokens of the product API.
 */
import { z } from 'zod';
import {
  HOOK_KINDS,
  isHookKind,
  isQuestionKind,
  NOTIFY_ONLY_KINDS,
  QUESTION_KINDS,
  type HookKind,
  type QuestionKind,
} from './call-kinds';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default(fallback)
    .transform((value) => value === 'true' || value === '1');

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

export const productEnvSchema = {
  /** The product's webhook endpoint; unset: the in-process module (PROVISIONING_HOOKS_MODULE) is called. */
  PRODUCT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** `whsec_<base64>` signing secrets, comma-separated; two while one is rotated (each call is signed by both). */
  PRODUCT_WEBHOOK_SECRETS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const secrets = commaList(value);
      for (const secret of secrets) {
        const key = secret.startsWith('whsec_') ? secret.slice(6) : '';
        if (Buffer.from(key, 'base64').length < 24 || !/^[A-Za-z0-9+/]+=*$/.test(key)) {
          ctx.addIssue({ code: 'custom', message: 'each secret is whsec_ followed by at least 24 bytes in base64' });
        }
      }
      if (secrets.length > 2) ctx.addIssue({ code: 'custom', message: 'at most two secrets are active at once' });
      return secrets;
    }),
  PRODUCT_WEBHOOK_ALLOW_PRIVATE: flag('false'),
  /**
   * Call kinds the product decides before the result is written (`all`: every event kind, or kinds by name; the
   * others are notified), and the questions it answers (by name only: `restrictions`).
   */
  PRODUCT_DECIDE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const names = commaList(value);
      const decidable = HOOK_KINDS.filter((kind) => !NOTIFY_ONLY_KINDS.includes(kind));
      const expanded = names.flatMap((name) => (name === 'all' ? decidable : [name]));
      const unknown = expanded.filter((name) => !isHookKind(name) && !isQuestionKind(name));
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `unknown call kind(s) ${unknown.join(', ')}; expected all or ${[...decidable, ...QUESTION_KINDS].join(', ')}`,
        });
      const notifyOnly = expanded.filter((name) => isHookKind(name) && NOTIFY_ONLY_KINDS.includes(name));
      if (notifyOnly.length > 0)
        ctx.addIssue({ code: 'custom', message: `${notifyOnly.join(', ')} is only notified, never decided` });
      return {
        kinds: [...new Set(expanded.filter(isHookKind))],
        questions: [...new Set(expanded.filter(isQuestionKind))],
      };
    }),
  /**
   * What a restrictions answer says when the product was asked and gave no usable answer in time: `allow` (only
   * the service's own rules restrict) or `restrict` (GENERIC_RESTRICTION_ERROR_MSG, "try again").
   */
  PRODUCT_RESTRICTIONS_UNANSWERED: z.enum(['allow', 'restrict']).default('allow'),
  PRODUCT_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  PRODUCT_DECIDE_DEADLINE_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** How long the webhook's circuit stays open after PRODUCT_CIRCUIT_FAILURES failures in a row (calls fail at once meanwhile). */
  PRODUCT_CIRCUIT_FAILURES: z.coerce.number().int().min(1).default(5),
  PRODUCT_CIRCUIT_OPEN_MS: z.coerce.number().int().min(1).default(15_000),
  /** Notify calls: attempts per job (the sweeper starts a new job after the last, so none is dropped) and backoff base. */
  PRODUCT_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(20),
  PRODUCT_NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).default(1_000),
  /** Tokens of the product API (/product/api), comma-separated (two while one is rotated); unset: API off. */
  PRODUCT_API_TOKENS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const tokens = commaList(value);
      if (tokens.some((token) => token.length < 16))
        ctx.addIssue({ code: 'custom', message: 'each token is at least 16 characters' });
      return tokens;
    }),
};

type ProductEnv = z.output<z.ZodObject<typeof productEnvSchema>>;

export interface ProductConfig {
  readonly webhookUrl: string | undefined;
  readonly webhookSecrets: readonly string[];
  readonly allowPrivateTargets: boolean;
  readonly decideKinds: readonly HookKind[];
  /** Questions the product answers (PRODUCT_DECIDE names them). */
  readonly questionKinds: readonly QuestionKind[];
  /** A restrictions question the product did not answer in time: allowed, or restricted. */
  readonly restrictionsUnanswered: 'allow' | 'restrict';
  readonly callTimeoutMs: number;
  readonly decideDeadlineMs: number;
  readonly circuit: { readonly failures: number; readonly openMs: number };
  readonly notifyMaxAttempts: number;
  readonly notifyBackoffMs: number;
  readonly apiTokens: readonly string[];
}

/** The problems of combinations no single variable shows (read from the raw environment). */
export function productEnvProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (env.PRODUCT_WEBHOOK_URL && !env.PRODUCT_WEBHOOK_SECRETS?.trim())
    problems.push('PRODUCT_WEBHOOK_SECRETS: required when PRODUCT_WEBHOOK_URL is set');
  if (env.PRODUCT_WEBHOOK_URL && env.PROVISIONING_HOOKS_MODULE)
    problems.push('PRODUCT_WEBHOOK_URL: set it or PROVISIONING_HOOKS_MODULE, not both');
  return problems;
}

/** The product part of the Config. */
export function productConfig(e: ProductEnv): ProductConfig {
  return Object.freeze({
    webhookUrl: e.PRODUCT_WEBHOOK_URL,
    webhookSecrets: Object.freeze([...e.PRODUCT_WEBHOOK_SECRETS]),
    allowPrivateTargets: e.PRODUCT_WEBHOOK_ALLOW_PRIVATE,
    decideKinds: Object.freeze([...e.PRODUCT_DECIDE.kinds]),
    questionKinds: Object.freeze([...e.PRODUCT_DECIDE.questions]),
    restrictionsUnanswered: e.PRODUCT_RESTRICTIONS_UNANSWERED,
    callTimeoutMs: e.PRODUCT_CALL_TIMEOUT_MS,
    decideDeadlineMs: e.PRODUCT_DECIDE_DEADLINE_MS,
    circuit: Object.freeze({ failures: e.PRODUCT_CIRCUIT_FAILURES, openMs: e.PRODUCT_CIRCUIT_OPEN_MS }),
    notifyMaxAttempts: e.PRODUCT_NOTIFY_MAX_ATTEMPTS,
    notifyBackoffMs: e.PRODUCT_NOTIFY_BACKOFF_MS,
    apiTokens: Object.freeze([...e.PRODUCT_API_TOKENS]),
  });
}
