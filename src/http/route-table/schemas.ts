/** Schemas the answers of several surfaces share. */
import { z } from 'zod';
import { AccountStatus, SeatRole } from '../../generated/prisma/enums';

/** An instant as the JSON answers carry it (a Date serialises to this). */
export const instant = z.iso.datetime().meta({ description: 'ISO 8601, UTC.' });

/** A count (never negative). */
export const count = z.number().int().min(0);

/** The account states (src/accounts/lifecycle.ts). */
export const accountStatus = z.enum(AccountStatus).meta({ id: 'AccountStatus' });

/** A seat's role. */
export const seatRole = z.enum(SeatRole);

/** The result reported to AppDirect for an event (protocol reference §12.3). */
export const eventResult = z
  .object({
    success: z.boolean(),
    accountIdentifier: z.string().optional(),
    userIdentifier: z.string().optional(),
    errorCode: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'EventResult' });

/** Any JSON value kept as it was received or sent (an event document, a product's answer). */
export const json = z.unknown().meta({ description: 'JSON, as received or sent.' });

/**
 * A value the store types more loosely than the values it holds (a JSON column, an enum kept as text): the
 * schema documents and the contract test checks its shape, while a handler may hand it over as stored.
 */
export const fromStore = <S extends z.ZodType>(schema: S): z.ZodType<z.output<S>, unknown> =>
  schema as unknown as z.ZodType<z.output<S>, unknown>;
