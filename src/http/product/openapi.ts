/** OpenAPI 3.1 description of the product API, served at /product/api/openapi.json (validated by a test). */
import { z } from 'zod';
import { completionSchema } from '../../hooks/contract';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const person = {
  type: 'object',
  properties: {
    uuid: { type: 'string' },
    email: { type: 'string' },
    firstName: { type: ['string', 'null'] },
    lastName: { type: ['string', 'null'] },
  },
};

export const productOpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'appdirect-provisioner product API',
    version: '1.0.0',
    description:
      'For the vendor product: read accounts, their users and add-ons, and complete a decision answered `pending`. ' +
      'Authenticated with a PRODUCT_API_TOKENS bearer token (not the admin token).',
  },
  servers: [{ url: '/product/api' }],
  security: [{ bearer: [] }],
  paths: {
    '/accounts': {
      get: {
        summary: "A company's accounts, newest first",
        parameters: [{ name: 'companyUuid', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'The accounts (none: an empty list)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['items'],
                  properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Account' } } },
                },
              },
            },
          },
          400: errorResponse('companyUuid is missing or invalid'),
          401: errorResponse('Missing or wrong product token'),
        },
      },
    },
    '/accounts/{accountIdentifier}': {
      get: {
        summary: 'An account with its users and add-ons',
        parameters: [{ name: 'accountIdentifier', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'The account',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Account' } } },
          },
          401: errorResponse('Missing or wrong product token'),
          404: errorResponse('PRODUCT_ACCOUNT_NOT_FOUND'),
        },
      },
    },
    '/decisions/{eventToken}': {
      post: {
        summary:
          'Complete a decision the product answered pending (idempotent: the same completion again is answered the same)',
        parameters: [
          {
            name: 'eventToken',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: 'The eventToken of the decide call.',
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Completion' } } },
        },
        responses: {
          202: {
            description: 'Stored; the event is applied with it now (its result follows)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['eventToken', 'completion', 'decision'],
                  properties: {
                    eventToken: { type: 'string' },
                    completion: { enum: ['completed', 'already_completed'] },
                    decision: { $ref: '#/components/schemas/Completion' },
                  },
                },
              },
            },
          },
          401: errorResponse('Missing or wrong product token'),
          404: errorResponse('PRODUCT_EVENT_NOT_FOUND'),
          409: errorResponse(
            'DECISION_NOT_AWAITED: not waiting for the product (finished, e.g. answered PENDING after the deadline, or completed differently)',
          ),
          422: errorResponse('The body is not an accept or refuse decision'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message', 'action', 'requestId'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          action: { type: 'string' },
          requestId: { type: 'string' },
          details: { type: 'object' },
        },
      },
      Completion: z.toJSONSchema(completionSchema, { target: 'draft-2020-12' }),
      Account: {
        type: 'object',
        properties: {
          accountIdentifier: { type: 'string' },
          status: { enum: ['active', 'suspended', 'cancelled', 'closed'] },
          company: {
            type: 'object',
            properties: {
              uuid: { type: 'string' },
              name: { type: 'string' },
              email: { type: ['string', 'null'] },
              country: { type: ['string', 'null'] },
            },
          },
          editionCode: { type: 'string' },
          pricingDuration: { type: ['string', 'null'] },
          maxUsers: { type: ['integer', 'null'] },
          development: { type: 'boolean' },
          marketplaceBaseUrl: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          users: {
            type: 'array',
            items: {
              ...person,
              properties: {
                ...person.properties,
                role: { enum: ['owner', 'user'] },
                assignedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
          addons: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                addonInstanceId: { type: 'string' },
                offeringCode: { type: 'string' },
                status: { type: 'string' },
                bindings: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
} as const;
