import type { NextFunction, Request, Response } from 'express';
import type { ProcessMetrics } from '../../metrics/registry';

/** Counts and times every answer by matched route (not raw path, to keep label cardinality bounded). */
export function httpMetrics(metrics: ProcessMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpSeconds.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      stop({ method: req.method, route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
