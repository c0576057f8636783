/**
 * AppDirect's domain association calls (the SDK's DomainOwnershipController, v1 and v2): the DNS records to
 * publish, the ownership verification, a domain added or removed, each delegated to the product
 * (src/domains/delegate.ts). Authenticated like the event notification; without a product that manages domains,
 * 501 DOMAINS_NOT_SUPPORTED.
 */
import { z } from 'zod';
import {
  askAboutDomain,
  checkedCallbackUrl,
  doneOrRefused,
  requireDomainProduct,
  sendVerdict,
} from '../../domains/delegate';
import {
  customerIdentifier,
  dnsRecordsSchema,
  domainAdditionSchema,
  domainName,
  NO_RECORDS,
} from '../../marketplace/domains';
import { callerOf } from '../auth/authenticate';
import { defineRoute, type AnyRoute, type Example } from '../route-table/spec';
import { spendNonce } from './spend-nonce';

const BASE = '/domainassociation/customers/{customerIdentifier}/domains';
const customer = z.object({ customerIdentifier });
const onDomain = z.object({ customerIdentifier, domain: domainName });
const records = {
  200: { description: 'The records (each list may be empty)', schema: dnsRecordsSchema.meta({ id: 'DnsRecords' }) },
} as const;
const empty = z.strictObject({}).meta({ description: 'Nothing (AppDirect reads the status only).' });
const ERRORS = ['DOMAINS_NOT_SUPPORTED', 'PRODUCT_UNANSWERED', 'DEPENDENCY_UNAVAILABLE'] as const;
const PARAMS = { customerIdentifier: 'acct-1', domain: 'customer.example' };

/** The product's answer, and without credentials (without a product that manages domains: 501, tested apart). */
const examples = (summary: string, status: number, extra: Partial<Example> = {}): Example[] => [
  { summary, params: PARAMS, status, ...extra },
  { summary: 'Without credentials', params: PARAMS, credentials: 'none', status: 401, ...extra },
];

const dnsRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'get',
    path: `/api/${version}${BASE}/{domain}/dns`,
    summary: `Domains: the DNS records a customer publishes (${version})`,
    description:
      "`type=ownershipProof`: records proving the customer owns the domain; `type=configuration`: records that point it at the product (the product's domainDnsRecords). Another type: no records, as the SDK answers.",
    auth: 'appdirect',
    params: onDomain,
    query: z.looseObject({ type: z.string().min(1).max(64).meta({ description: 'ownershipProof or configuration.' }) }),
    responses: records,
    errors: [...ERRORS],
    examples: [
      ...examples('The ownership proof records', 200, { query: { type: 'ownershipProof' } }),
      {
        summary: 'A domain that is not one',
        params: { ...PARAMS, domain: 'not a domain' },
        query: { type: 'ownershipProof' },
        status: 400,
      },
    ],
    handler:
      (deps) =>
      async ({ params, query, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const purpose = (['ownershipProof', 'configuration'] as const).find(
          (p) => p.toLowerCase() === query.type.toLowerCase(),
        );
        if (!purpose) {
          requireDomainProduct(deps.product, 'domainDnsRecords');
          return { status: 200, body: NO_RECORDS };
        }
        const answer = await askAboutDomain(
          deps,
          'domainDnsRecords',
          { ...params, receivedAt, logger: req.log },
          { purpose },
        );
        return { status: 200, body: answer };
      },
  });

const ownershipRecordRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'get',
    path: `/api/${version}${BASE}/{domain}/ownershipProofRecord`,
    summary: `Domains: the ownership proof records (${version}; deprecated in the SDK for …/dns?type=ownershipProof)`,
    auth: 'appdirect',
    params: onDomain,
    responses: records,
    errors: [...ERRORS],
    examples: examples('The ownership proof records', 200),
    handler:
      (deps) =>
      async ({ params, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const answer = await askAboutDomain(
          deps,
          'domainDnsRecords',
          { ...params, receivedAt, logger: req.log },
          {
            purpose: 'ownershipProof',
          },
        );
        return { status: 200, body: answer };
      },
  });

const verificationRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'post',
    path: `/api/${version}${BASE}/{domain}/ownershipVerification`,
    summary: `Domains: verify the customer owns the domain (${version})`,
    description:
      'The product\'s verdict (domainOwnership) is asked first; the answer is 202 and the verdict `{"verified"}` is then POSTed to `callbackUrl` (a configured marketplace), signed like a result POST.' +
      (version === 'v2' ? ' v2 also names the application (`applicationUuid`).' : ''),
    auth: 'appdirect',
    params: onDomain,
    query: z.looseObject({
      callbackUrl: z.string().min(1).max(2048).meta({ description: "AppDirect's URL for the verdict." }),
      ...(version === 'v2' ? { applicationUuid: z.string().min(1).max(255) } : {}),
    }),
    responses: { 202: { description: 'Asked; the verdict follows at callbackUrl', schema: empty } },
    errors: [...ERRORS],
    examples: [
      ...examples('Verify a domain', 202, {
        given: 'a domain verification callback at the marketplace',
        query: { callbackUrl: 'https://marketplace.example.com/domain-verifications/1', applicationUuid: 'app-1' },
      }),
      {
        summary: 'A callback URL on another origin',
        params: PARAMS,
        query: { callbackUrl: 'https://elsewhere.example/x', applicationUuid: 'app-1' },
        status: 400,
      },
    ],
    handler:
      (deps) =>
      async ({ params, query, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const callbackUrl = checkedCallbackUrl(deps.config, query.callbackUrl);
        const applicationUuid = 'applicationUuid' in query ? String(query.applicationUuid) : null;
        const { verified } = await askAboutDomain(
          deps,
          'domainOwnership',
          { ...params, receivedAt, logger: req.log },
          {
            applicationUuid,
          },
        );
        const caller = callerOf(res);
        const key = caller.scheme === 'oauth1' ? caller.principal : null;
        return { status: 202, body: {}, after: () => void sendVerdict(deps, callbackUrl, verified, key, req.log) };
      },
  });

const addRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'post',
    path: `/api/${version}${BASE}`,
    summary: `Domains: add a domain to the customer (${version})`,
    auth: 'appdirect',
    params: customer,
    body: {
      schema: domainAdditionSchema.meta({ id: 'DomainAdditionPayload' }),
      limit: '4kb',
      required: true,
      invalid: 'BODY_INVALID',
    },
    responses: { 200: { description: 'Added', schema: empty } },
    errors: [...ERRORS, 'DOMAIN_REFUSED', 'BODY_INVALID'],
    examples: [
      {
        summary: 'Add a domain',
        params: { customerIdentifier: 'acct-1' },
        body: { domainName: 'customer.example' },
        status: 200,
      },
      {
        summary: 'A domain the product refuses',
        params: { customerIdentifier: 'acct-1' },
        body: { domainName: 'refused.example' },
        status: 422,
      },
      {
        summary: 'Not a domain',
        params: { customerIdentifier: 'acct-1' },
        body: { domainName: 'not a domain' },
        status: 400,
      },
      {
        summary: 'Without credentials',
        params: { customerIdentifier: 'acct-1' },
        body: { domainName: 'customer.example' },
        credentials: 'none',
        status: 401,
      },
    ],
    handler:
      (deps) =>
      async ({ params, body, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const request = { ...params, domain: body.domainName, receivedAt, logger: req.log };
        doneOrRefused(await askAboutDomain(deps, 'domainAdded', request, {}));
        return { status: 200, body: {} };
      },
  });

const removeRoute = (version: 'v1' | 'v2'): AnyRoute =>
  defineRoute({
    method: 'delete',
    path: `/api/${version}${BASE}/{domainName}`,
    summary: `Domains: remove a domain from the customer (${version})`,
    auth: 'appdirect',
    params: z.object({ customerIdentifier, domainName }),
    responses: { 200: { description: 'Removed', schema: empty } },
    errors: [...ERRORS, 'DOMAIN_REFUSED'],
    examples: [
      {
        summary: 'Remove a domain',
        params: { customerIdentifier: 'acct-1', domainName: 'customer.example' },
        status: 200,
      },
      {
        summary: 'Without credentials',
        params: { customerIdentifier: 'acct-1', domainName: 'customer.example' },
        credentials: 'none',
        status: 401,
      },
    ],
    handler:
      (deps) =>
      async ({ params, req, res }) => {
        const receivedAt = Date.now();
        await spendNonce(deps, res);
        const request = {
          customerIdentifier: params.customerIdentifier,
          domain: params.domainName,
          receivedAt,
          logger: req.log,
        };
        doneOrRefused(await askAboutDomain(deps, 'domainRemoved', request, {}));
        return { status: 200, body: {} };
      },
  });

export const domainRoutes: readonly AnyRoute[] = (['v1', 'v2'] as const).flatMap((version) => [
  dnsRoute(version),
  ownershipRecordRoute(version),
  verificationRoute(version),
  addRoute(version),
  removeRoute(version),
]);
