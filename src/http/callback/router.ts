/**
 * GET /appdirect/events?eventUrl=<url-encoded event URL>[&ack=early]: authenticate (passport, see
 * ../auth), then hand the notification to the use case (src/inbox/accept.ts) and send its answer.
 */
import { z } from 'zod';
import { NonceReplayedError } from '../../errors/internal';
import { NotificationAcceptor } from '../../inbox/accept';
import { callerOf, nonceReplayedError } from '../auth/authenticate';
import { eventResult } from '../route-table/schemas';
import { defineRoute } from '../route-table/spec';

export const CALLBACK_PATH = '/appdirect/events';

export const callbackRoute = defineRoute({
  method: 'get',
  path: CALLBACK_PATH,
  summary: 'An AppDirect event notification (every event type, one URL)',
  description:
    'Configure `https://<your-host>/appdirect/events?eventUrl={eventUrl}` in AppDirect (README, "Connecting AppDirect"). ' +
    'Other static parameters are allowed and ignored. The event is recorded once per token, fetched, applied by a ' +
    'worker and its result POSTed to the marketplace; a SUBSCRIPTION_NOTICE or ping test is answered with its result.',
  auth: 'appdirect',
  query: z.looseObject({
    eventUrl: z.string().min(1).meta({
      description:
        'The event URL AppDirect puts in place of {eventUrl}: a configured marketplace origin (APPDIRECT_MARKETPLACE_URLS) and /api/integration/v1/events/<token>.',
    }),
    ack: z.enum(['early', 'after-fetch'], { error: 'expected early or after-fetch' }).optional().meta({
      description:
        'early: answer 202 once recorded and let the worker fetch (never on the Subscription Status URL); after-fetch (the default): fetch first.',
    }),
  }),
  responses: {
    200: {
      description:
        'The result: a SUBSCRIPTION_NOTICE or ping test answered in time (PENDING when it is applied right after), a repeated notification of a finished event, or a liveness probe',
      schema: eventResult,
    },
    202: {
      description: 'Recorded (`{"success": true}`); the result is POSTed to the marketplace',
      schema: eventResult,
    },
  },
  errors: ['PARAMETER_MISSING', 'DEPENDENCY_UNAVAILABLE'],
  examples: [
    {
      summary: 'A subscription order',
      given: 'an event at the marketplace',
      query: {
        eventUrl: 'https://marketplace.example.com/api/integration/v1/events/5f0c9a52-3b1e-4d7a-8e26-9c4f1b7d2a60',
      },
      status: 202,
    },
    {
      summary: 'An event URL on another origin',
      query: { eventUrl: 'https://elsewhere.example/api/integration/v1/events/x' },
      status: 400,
    },
    {
      summary: 'Without credentials',
      query: { eventUrl: 'https://marketplace.example.com/x' },
      credentials: 'none',
      status: 401,
    },
  ],
  handler: (deps) => {
    const acceptor = new NotificationAcceptor(deps);
    return async ({ query, req, res }) => {
      try {
        const receivedAt = Date.now();
        const answer = await acceptor.accept({
          eventUrl: query.eventUrl,
          ack: query.ack,
          nonce: callerOf(res).nonce,
          receivedAt,
          logger: req.log,
        });
        return { status: answer.status, body: answer.body, after: answer.afterAnswer };
      } catch (error) {
        if (error instanceof NonceReplayedError) throw nonceReplayedError(deps.config);
        throw error;
      }
    };
  },
});
