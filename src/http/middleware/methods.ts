import type { RequestHandler, Router } from 'express';
import { AppError } from '../../errors/app-error';
import { fullPathOf } from './request-context';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Registers `handlers` on `path` and answers every other method with 405 and an
 * Allow header (HEAD comes with GET).
 */
export function route(
  router: Router,
  path: string,
  handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>,
): void {
  const chain = router.route(path);
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as Array<[Method, RequestHandler | RequestHandler[]]>) {
    chain[method](...(Array.isArray(handler) ? handler : [handler]));
    allowed.push(method.toUpperCase());
    if (method === 'get') allowed.push('HEAD');
  }
  const allow = allowed.join(', ');
  chain.all((req) => {
    throw new AppError(
      'METHOD_NOT_ALLOWED',
      { method: req.method, path: fullPathOf(req).slice(0, 200), allowed: allow },
      { headers: { Allow: allow } },
    );
  });
}
