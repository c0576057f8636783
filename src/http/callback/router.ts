/**
 * GET /appdirect/events?eventUrl=<url-encoded event URL>[&ack=early]: authenticate (passport, see
 * ../auth), then hand the notification to the use case (src/inbox/accept.ts) and send its answer.
 */
import { Router } from 'express';
import { NonceReplayedError } from '../../errors/internal';
import { NotificationAcceptor } from '../../inbox/accept';
import { authenticateAppDirect, callerOf, nonceReplayedError } from '../auth/authenticate';
import type { AppDeps } from '../deps';
import { route } from '../middleware/methods';
import { produces } from '../middleware/negotiate';

export const CALLBACK_PATH = '/appdirect/events';

export function callbackRouter(deps: AppDeps): Router {
  const router = Router();
  const acceptor = new NotificationAcceptor(deps);
  route(router, CALLBACK_PATH, {
    get: [
      produces('application/json'),
      authenticateAppDirect(deps),
      async (req, res) => {
        try {
          const receivedAt = Date.now();
          const answer = await acceptor.accept({
            eventUrl: req.query.eventUrl,
            ack: req.query.ack,
            nonce: callerOf(res).nonce,
            receivedAt,
            logger: req.log,
          });
          res.status(answer.status).json(answer.body);
          answer.afterAnswer?.();
        } catch (error) {
          if (error instanceof NonceReplayedError) throw nonceReplayedError(deps.config);
          throw error;
        }
      },
    ],
  });
  return router;
}
