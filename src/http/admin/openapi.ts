import { EVENT_STATUSES } from '../../inbox/statuses';
import { overviewPaths, overviewSchemas } from './openapi-overview';

/** OpenAPI 3.1 description of the admin API, served at /admin/api/openapi.json (validated by a test). */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const filterParameters = ['status', 'type', 'accountIdentifier', 'companyUuid', 'errorCode', 'from', 'to'].map(
  (name) => ({
    name,
    in: 'query',
    required: false,
    schema:
      name === 'status'
        ? { $ref: '#/components/schemas/EventStatus' }
        : name === 'from' || name === 'to'
          ? { type: 'string', format: 'date-time' }
          : { type: 'string' },
  }),
);
/** `{"force": true}`: run the event again although AppDirect already received its answer. */
const forceRequestBody = {
  required: false,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          force: {
            type: 'boolean',
            default: false,
            description: 'Run it again although AppDirect already received its answer (it gets a second result).',
          },
        },
      },
    },
  },
} as const;
/** The answer of /rerun and /resend-result: what is being done. */
const intentAnswer = (action: 'rerun' | 'resend_result') => ({
  description: action === 'rerun' ? 'Running again (audited)' : 'Re-sending the result (audited)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['token', 'action'],
        properties: {
          token: { type: 'string' },
          action: { const: action },
          ...(action === 'rerun' ? { forced: { type: 'boolean' } } : {}),
        },
      },
    },
  },
});
const tokenParameter = {
  name: 'token',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The event token (last segment of the eventUrl).',
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'appdirect-provisioner admin API',
    version: '1.0.0',
    description:
      'See the state of the installation; inspect, retry and cancel AppDirect events; look up accounts. Every state-changing call is written to the audit log.',
  },
  servers: [{ url: '/admin/api' }],
  security: [{ bearer: [] }],
  paths: {
    ...overviewPaths,
    '/events': {
      get: {
        summary: 'List events, newest first',
        parameters: [
          ...filterParameters,
          {
            name: 'cursor',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'nextCursor of the previous page.',
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        ],
        responses: {
          200: {
            description: 'A page of events',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['items', 'nextCursor'],
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/EventListItem' } },
                    nextCursor: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          400: errorResponse('A filter is invalid (the message names it)'),
          401: errorResponse('Missing or wrong admin token'),
        },
      },
    },
    '/events/retry': {
      post: {
        summary:
          'Run again (action rerun), or re-send the results of (action resend_result), every event matching a filter; without action, each its usual remedy (as /events/{token}/retry). Paced.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  status: { $ref: '#/components/schemas/EventStatus' },
                  type: { type: 'string' },
                  accountIdentifier: { type: 'string' },
                  companyUuid: { type: 'string' },
                  errorCode: { type: 'string' },
                  from: { type: 'string', format: 'date-time' },
                  to: { type: 'string', format: 'date-time' },
                  action: {
                    enum: ['rerun', 'resend_result'],
                    description:
                      'rerun: every failed or refused event; resend_result: every event whose result delivery failed for good. Absent: each its usual remedy.',
                  },
                  dryRun: { type: 'boolean', default: false },
                  force: {
                    type: 'boolean',
                    default: false,
                    description:
                      'Also re-run events whose failure AppDirect already received (it gets a second result); skipped and counted in needsForce otherwise.',
                  },
                  max: { type: 'integer', minimum: 1, maximum: 100000, default: 10000 },
                },
              },
            },
          },
        },
        responses: {
          200: {
            description: 'Dry run: how many would be retried',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BulkRetry' } } },
          },
          202: {
            description: 'Queued, at most perSecond per second',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BulkRetry' } } },
          },
          401: errorResponse('Missing or wrong admin token'),
          415: errorResponse('The body is not JSON'),
          422: errorResponse('Invalid fields (listed in details)'),
          500: errorResponse(
            'BULK_RETRY_INTERRUPTED: a later batch could not be committed; details say how many were queued (those run), the rest were not changed',
          ),
        },
      },
    },
    '/events/{token}': {
      get: {
        summary: 'An event: payload, attempt timeline, result and result-delivery attempts',
        parameters: [tokenParameter],
        responses: {
          200: { description: 'The event', content: { 'application/json': { schema: { type: 'object' } } } },
          404: errorResponse('No such event'),
        },
      },
    },
    '/events/{token}/rerun': {
      post: {
        summary: 'Run a failed or refused event again, from the fetch (audited as events.retry.rerun[.forced])',
        parameters: [tokenParameter],
        requestBody: forceRequestBody,
        responses: {
          202: intentAnswer('rerun'),
          404: errorResponse('No such event'),
          409: errorResponse(
            'Not failed or refused (EVENT_NOT_RERUNNABLE), or AppDirect already received its answer and force is not set (EVENT_RETRY_NEEDS_FORCE); nothing was changed',
          ),
          503: errorResponse('Redis is unreachable; nothing was changed'),
        },
      },
    },
    '/events/{token}/resend-result': {
      post: {
        summary:
          "Re-send the event's stored result to AppDirect, when its delivery failed for good; the event is not run again (audited as events.retry.resend_result)",
        parameters: [tokenParameter],
        responses: {
          202: intentAnswer('resend_result'),
          404: errorResponse('No such event'),
          409: errorResponse(
            'The result was delivered, is still being delivered, or there is none (RESULT_NOT_RESENDABLE); nothing was changed',
          ),
          503: errorResponse('Redis is unreachable; nothing was changed'),
        },
      },
    },
    '/events/{token}/retry': {
      post: {
        summary: "The event's usual remedy: run it again, or re-send its result (prefer /rerun or /resend-result)",
        description:
          'Kept for scripts that do not name the intent. A failed event runs again, whatever became of its result; any other event whose result delivery failed for good (succeeded, refused, cancelled) gets it re-sent; a refused event whose answer AppDirect has runs again with force. The answer says which (retry), and so does the audit row.',
        parameters: [tokenParameter],
        requestBody: forceRequestBody,
        responses: {
          202: {
            description: 'What is being done',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['token', 'retry'],
                  properties: {
                    token: { type: 'string' },
                    retry: { enum: ['rerun', 'resend_result'] },
                    forced: { type: 'boolean' },
                  },
                },
              },
            },
          },
          404: errorResponse('No such event'),
          409: errorResponse(
            'Not in a retryable state (EVENT_NOT_RETRYABLE), or AppDirect already received its answer and force is not set (EVENT_RETRY_NEEDS_FORCE); nothing was changed',
          ),
          503: errorResponse('Redis is unreachable; nothing was changed'),
        },
      },
    },
    '/events/{token}/cancel': {
      post: {
        summary: 'Stop an unfinished event and report OPERATION_CANCELLED to AppDirect',
        parameters: [tokenParameter],
        responses: {
          202: { description: 'Cancelled' },
          404: errorResponse('No such event'),
          409: errorResponse('Already finished'),
        },
      },
    },
    '/events/{token}/product-calls': {
      get: {
        summary:
          "The event's calls to the vendor product, each with its attempts (request id, status, latency, answer or error), and its decide attempts",
        parameters: [tokenParameter],
        responses: {
          200: {
            description: 'Calls and decide attempts',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { calls: { type: 'array' }, decisions: { type: 'array' } } },
              },
            },
          },
          404: errorResponse('No such event'),
        },
      },
    },
    '/events/{token}/product-calls/{id}/resend': {
      post: {
        summary: 'Re-send now a notify call the product has not taken (same webhook-id)',
        parameters: [tokenParameter, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          202: { description: 'Being sent now, ahead of its backoff (audited in the same transaction)' },
          409: errorResponse('PRODUCT_CALL_NOT_OWED; nothing was changed'),
        },
      },
    },
    '/events/{token}/product-calls/reask': {
      post: {
        summary:
          'Ask the product again: a waiting event now, with a fresh deadline (reasked); a failed or refused one runs again from the start (rerun). Never re-sends a result.',
        parameters: [tokenParameter],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  force: {
                    type: 'boolean',
                    default: false,
                    description:
                      'Run it again although AppDirect already received its answer (it gets a second result).',
                  },
                },
              },
            },
          },
        },
        responses: {
          202: {
            description: 'What was done (audited in the same transaction)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['token', 'reask'],
                  properties: {
                    token: { type: 'string' },
                    reask: { enum: ['reasked', 'rerun'] },
                    forced: { type: 'boolean' },
                  },
                },
              },
            },
          },
          404: errorResponse('No such event'),
          409: errorResponse(
            'Neither waiting for the product nor failed or refused (EVENT_NOT_REASKABLE), or AppDirect already received its answer and force is not set (EVENT_RETRY_NEEDS_FORCE); nothing was changed',
          ),
          503: errorResponse('Redis is unreachable; nothing was changed'),
        },
      },
    },
    '/accounts': {
      get: {
        summary: 'Find accounts by company name, company uuid or user e-mail',
        parameters: [{ name: 'search', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'Matching accounts', content: { 'application/json': { schema: { type: 'object' } } } },
          400: errorResponse('search is missing'),
        },
      },
    },
    '/accounts/{accountIdentifier}': {
      get: {
        summary: 'An account with its users, add-ons and latest events',
        parameters: [{ name: 'accountIdentifier', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'The account',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Account' } } },
          },
          404: errorResponse('No such account'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'One of the ADMIN_TOKEN tokens' } },
    schemas: {
      ...overviewSchemas,
      EventStatus: { type: 'string', enum: [...EVENT_STATUSES] },
      Error: {
        type: 'object',
        required: ['code', 'message', 'action', 'requestId'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          action: { type: 'string' },
          requestId: { type: 'string' },
          details: {},
        },
      },
      EventListItem: {
        type: 'object',
        required: [
          'token',
          'type',
          'status',
          'errorCode',
          'accountIdentifier',
          'companyName',
          'attempts',
          'receivedAt',
          'updatedAt',
        ],
        properties: {
          token: { type: 'string' },
          type: { type: ['string', 'null'] },
          status: { $ref: '#/components/schemas/EventStatus' },
          errorCode: { type: ['string', 'null'] },
          accountIdentifier: { type: ['string', 'null'] },
          companyName: { type: ['string', 'null'] },
          attempts: { type: 'integer' },
          receivedAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      BulkRetry: {
        type: 'object',
        required: ['dryRun', 'action', 'matched', 'rerun', 'resendResult', 'queued', 'needsForce', 'perSecond'],
        properties: {
          dryRun: { type: 'boolean' },
          action: { enum: ['rerun', 'resend_result', null], description: 'As asked; null: each its usual remedy' },
          matched: { type: 'integer' },
          rerun: { type: 'integer', description: 'Of them, run again (dry run: would be)' },
          resendResult: { type: 'integer', description: 'Of them, results re-sent (dry run: would be)' },
          queued: { type: 'integer' },
          needsForce: { type: 'integer' },
          perSecond: { type: 'integer' },
        },
      },
      Account: {
        type: 'object',
        required: [
          'accountIdentifier',
          'status',
          'editionCode',
          'pricingDuration',
          'maxUsers',
          'users',
          'addons',
          'events',
        ],
        properties: {
          accountIdentifier: { type: 'string' },
          status: { type: 'string', enum: ['active', 'suspended', 'cancelled', 'closed'] },
          editionCode: { type: 'string' },
          pricingDuration: { type: ['string', 'null'] },
          maxUsers: { type: ['integer', 'null'] },
          seatsUsed: { type: 'integer' },
          users: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                uuid: { type: 'string' },
                email: { type: 'string' },
                name: { type: ['string', 'null'] },
                role: { enum: ['owner', 'user'] },
              },
            },
          },
          addons: { type: 'array', items: { type: 'object' } },
          events: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
} as const;
