/**
 * GET /ping and GET /livez: the process answers (touches nothing else).
 * GET /readyz: PostgreSQL answers, migrations are applied and the app role may use the tables (Redis is not
 * required: see src/health/probes.ts).
 * GET /status: 200 when PostgreSQL and Redis answer, migrations are applied and the preflight found no set-up
 * problem; else 503 naming what is down (DEPENDENCY_UNAVAILABLE) or what is set up wrong (DEPENDENCY_MISCONFIGURED).
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { AppError } from '../../errors/app-error';
import { checkHealth, type HealthReport } from '../../health/checks';
import { apiReadiness, unreadyError } from '../../health/probes';
import { failing, misconfigured, publicChecks } from '../../health/status';
import { tokenOwner } from '../admin/auth';
import { RETRY_AFTER_SECONDS } from '../middleware/errors';
import { instant } from '../route-table/schemas';
import { defineRoute } from '../route-table/spec';

/** An admin's Bearer token sees the full report (error text, pending migrations); anyone else only ok/latency. */
function checksFor(req: Request, config: Config, report: HealthReport) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  return bearer && tokenOwner(config.adminTokens, bearer) ? report.checks : publicChecks(report);
}

const check = z.object({
  ok: z.boolean(),
  latencyMs: z.number().min(0),
  error: z.string().optional().meta({ description: 'Admin token only.' }),
});
const problem = z.object({
  dependency: z.enum(['PostgreSQL', 'Redis']),
  code: z.string(),
  message: z.string(),
  action: z.string(),
});

const checks = z
  .object({
    postgres: check,
    redis: check,
    migrations: check.extend({ pending: z.array(z.string()).optional().meta({ description: 'Admin token only.' }) }),
    preflight: check.extend({
      checkedAt: instant.nullable().optional().meta({ description: 'Admin token only.' }),
      problems: z
        .array(z.union([z.string(), problem]))
        .meta({ description: 'Catalogue codes (docs/errors.md); with their message and action for an admin token.' }),
    }),
  })
  .meta({
    id: 'HealthChecks',
    description:
      'What each check found. `Authorization: Bearer <ADMIN_TOKEN>` adds error text, pending migrations and what to do.',
  });

const alive = z.object({ status: z.literal('ok') });

const liveness = (path: '/ping' | '/livez') =>
  defineRoute({
    method: 'get',
    path,
    summary: 'Liveness: the process answers; touches no dependency',
    auth: 'none',
    responses: { 200: { description: 'Alive', schema: alive } },
    errors: [],
    examples: [{ summary: 'Alive', status: 200 }],
    handler: () => async () => ({ status: 200, body: { status: 'ok' as const } }),
  });
export const pingRoute = liveness('/ping');
export const livezRoute = liveness('/livez');

export const readyzRoute = defineRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: PostgreSQL answers, migrations are applied and the app role may use the tables',
  description:
    'Redis being down or set up wrong does not make the API unready (notifications are recorded in PostgreSQL).',
  auth: 'none',
  responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks }) } },
  errors: ['NOT_READY', 'DEPENDENCY_MISCONFIGURED'],
  examples: [{ summary: 'Ready', status: 200 }],
  handler:
    (deps) =>
    async ({ req }) => {
      const readiness = await apiReadiness({ ...deps, db: deps.prisma });
      const found = checksFor(req, deps.config, readiness.report);
      if (!readiness.ready) throw unreadyError(readiness, found);
      return { status: 200, body: { status: 'ready' as const, checks: found } };
    },
});

export const statusRoute = defineRoute({
  method: 'get',
  path: '/status',
  summary: 'Every dependency: PostgreSQL, Redis, migrations and the managed-services preflight',
  description:
    "503 DEPENDENCY_UNAVAILABLE names what does not answer, DEPENDENCY_MISCONFIGURED what is set up wrong (the preflight: the app role's grants, Redis' eviction policy and topology); details.checks has the checks.",
  auth: 'none',
  responses: {
    200: {
      description: 'Everything answers and is set up right',
      schema: z.object({ status: z.literal('ok'), checks }),
    },
  },
  errors: ['DEPENDENCY_UNAVAILABLE', 'DEPENDENCY_MISCONFIGURED'],
  examples: [{ summary: 'All well', status: 200 }],
  handler:
    (deps) =>
    async ({ req }) => {
      const report = await checkHealth({ ...deps, db: deps.prisma });
      const found = checksFor(req, deps.config, report);
      if (report.ok) return { status: 200, body: { status: 'ok' as const, checks: found } };
      const down = failing(report, ['postgres', 'redis', 'migrations']);
      const problems = misconfigured(report);
      if (down.length === 0 && problems)
        throw new AppError('DEPENDENCY_MISCONFIGURED', problems, { details: { checks: found } });
      throw new AppError(
        'DEPENDENCY_UNAVAILABLE',
        { dependency: down.join(' and ') },
        { details: { checks: found }, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
      );
    },
});
