/** Builders of AppDirect event documents, shaped as in the protocol reference §6. */
import { randomUUID } from 'node:crypto';

export function person(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const uuid = randomUUID();
  return {
    uuid,
    openId: `https://marketplace.example/openid/id/${uuid}`,
    email: `${uuid.slice(0, 8)}@customer.example`,
    firstName: 'Pat',
    lastName: 'User',
    locale: 'en-US',
    attributes: { userName: `${uuid.slice(0, 8)}@customer.example` },
    ...overrides,
  };
}

export function orderEvent(
  options: {
    seats?: number | string;
    creator?: Record<string, unknown>;
    companyUuid?: string;
    applicationUuid?: string;
    flag?: string;
  } = {},
) {
  return {
    type: 'SUBSCRIPTION_ORDER',
    applicationUuid: options.applicationUuid ?? '5b1e0c8e-6a51-4a3c-9d0e-1f2a3b4c5d6e',
    ...(options.flag ? { flag: options.flag } : {}),
    creator: options.creator ?? person({ firstName: 'Dana', lastName: 'Buyer' }),
    payload: {
      company: {
        uuid: options.companyUuid ?? randomUUID(),
        name: 'Customer Inc',
        email: 'it@customer.example',
        country: 'US',
      },
      order: {
        editionCode: 'PRO',
        pricingDuration: 'MONTHLY',
        items: options.seats === undefined ? [] : [{ unit: 'USER', quantity: options.seats }],
      },
      configuration: { subdomain: 'customer' },
    },
    returnUrl: null,
  };
}

export const accountEvent = (
  type: string,
  accountIdentifier: string,
  payload: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  type,
  creator: person(),
  payload: { account: { accountIdentifier, status: 'ACTIVE' }, ...payload },
  ...extra,
});

export const assignEvent = (accountIdentifier: string, user: Record<string, unknown> = person()) =>
  accountEvent('USER_ASSIGNMENT', accountIdentifier, { user });

export const unassignEvent = (accountIdentifier: string, user: Record<string, unknown>) =>
  accountEvent('USER_UNASSIGNMENT', accountIdentifier, { user });

export const noticeEvent = (accountIdentifier: string, noticeType: string) => {
  const event = accountEvent('SUBSCRIPTION_NOTICE', accountIdentifier, {
    notice: { type: noticeType },
    configuration: {},
  });
  delete (event as { creator?: unknown }).creator;
  return event;
};

export const changeEvent = (accountIdentifier: string, seats: number | undefined, editionCode = 'ENTERPRISE') =>
  accountEvent('SUBSCRIPTION_CHANGE', accountIdentifier, {
    order: {
      editionCode,
      pricingDuration: 'YEARLY',
      items: seats === undefined ? [] : [{ unit: 'USER', quantity: seats }],
    },
  });
