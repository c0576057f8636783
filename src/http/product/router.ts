/**
 * The product API under /product/api: what the vendor's product may read and complete, with its own
 * tokens (PRODUCT_API_TOKENS; the admin token is not accepted). Read accounts (with users and add-ons) by
 * identifier or company; complete a decision the product answered `pending`, idempotently. Without tokens
 * the tree answers 403 PRODUCT_API_DISABLED. Documented in openapi.ts (/product/api/openapi.json).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { productAccount, productAccountsOfCompany } from '../../accounts/product-view';
import { safeEqual } from '../../auth/constant-time';
import { AppError } from '../../errors/app-error';
import { completionSchema, type FinalDecision } from '../../hooks/contract';
import { completeProductDecision } from '../../inbox/transitions';
import type { AppDeps } from '../deps';
import { pathText, safeText } from '../input';
import { jsonBody, validateBody } from '../middleware/json-body';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';
import { productOpenApiDocument } from './openapi';

function requireProduct(tokens: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    let valid = false;
    for (const token of tokens) valid = safeEqual(token, bearer) || valid;
    if (!valid)
      throw new AppError('PRODUCT_TOKEN_INVALID', {}, { headers: { 'WWW-Authenticate': 'Bearer realm="product"' } });
    next();
  };
}

const companyQuery = z.strictObject({ companyUuid: safeText(200) });

export function productRouter(deps: AppDeps): Router {
  const router = Router();
  const tokens = deps.config.product.apiTokens;
  if (tokens.length === 0) {
    router.use(() => {
      throw new AppError('PRODUCT_API_DISABLED', {});
    });
    return router;
  }
  const { prisma, producer, logger } = deps;
  const auth = requireProduct(tokens);
  const json = produces('application/json');

  route(router, '/openapi.json', { get: [json, (_req, res) => void res.json(productOpenApiDocument)] });

  route(router, '/accounts', {
    get: [
      json,
      auth,
      async (req, res) => {
        const parsed = companyQuery.safeParse(req.query);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const name =
            issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '?') : String(issue.path[0] ?? 'companyUuid');
          throw new AppError('PARAMETER_INVALID', {
            name,
            reason: issue.code === 'unrecognized_keys' ? 'not a known parameter' : issue.message,
          });
        }
        res.json({ items: await productAccountsOfCompany(prisma, parsed.data.companyUuid) });
      },
    ],
  });

  route(router, '/accounts/:accountIdentifier', {
    get: [
      json,
      auth,
      async (req, res) => {
        const accountIdentifier = pathText('accountIdentifier', req.params.accountIdentifier);
        const account = await productAccount(prisma, accountIdentifier);
        if (!account) throw new AppError('PRODUCT_ACCOUNT_NOT_FOUND', { accountIdentifier });
        res.json(account);
      },
    ],
  });

  route(router, '/decisions/:eventToken', {
    post: [
      json,
      jsonBody('8kb'),
      auth,
      validateBody(completionSchema),
      async (req, res) => {
        const token = pathText('eventToken', req.params.eventToken, 512);
        const decision = req.body as FinalDecision;
        const outcome = await completeProductDecision(prisma, token, decision);
        if (outcome === 'not_found') throw new AppError('PRODUCT_EVENT_NOT_FOUND', { token });
        if (outcome === 'not_awaiting') {
          throw new AppError('DECISION_NOT_AWAITED', {
            token,
            reason: 'it was not answered pending, is finished, or was completed differently',
          });
        }
        // The event runs again now and applies the decision (its delayed job would otherwise wait its turn).
        await producer
          .promoteEvent(token)
          .catch((error: unknown) =>
            logger.warn({ err: (error as Error).message, token }, 'could not wake the event; its delay will'),
          );
        res.status(202).json({ eventToken: token, completion: outcome, decision });
      },
    ],
  });
  return router;
}
