/** What the product API answers: accounts as the product reads them (src/accounts/product-view.ts). */
import { z } from 'zod';
import { AddonStatus } from '../../generated/prisma/enums';
import { completionSchema } from '../../hooks/contract';
import { accountStatus, instant, seatRole } from '../route-table/schemas';

export const completion = completionSchema.meta({
  id: 'Completion',
  description: 'Accept or refuse: how the product completes a decision it answered pending.',
});

export const productAccount = z
  .object({
    accountIdentifier: z.string(),
    status: accountStatus,
    company: z.object({
      uuid: z.string(),
      name: z.string(),
      email: z.string().nullable(),
      country: z.string().nullable(),
    }),
    editionCode: z.string(),
    pricingDuration: z.string().nullable(),
    maxUsers: z.number().int().nullable().meta({ description: 'Seat limit; null: unlimited.' }),
    development: z.boolean(),
    marketplaceBaseUrl: z.string(),
    createdAt: instant,
    users: z.array(
      z.object({
        uuid: z.string(),
        email: z.string(),
        firstName: z.string().nullable(),
        lastName: z.string().nullable(),
        role: seatRole,
        assignedAt: instant,
      }),
    ),
    addons: z.array(
      z.object({
        addonInstanceId: z.string(),
        offeringCode: z.string(),
        status: z.enum(AddonStatus),
        bindings: z.array(z.string()).meta({ description: 'Bindings in force.' }),
      }),
    ),
  })
  .meta({ id: 'ProductAccount' });
