/**
 * A usage report, as the vendor's product makes it (product API, in-process module) and as AppDirect's
 * billing API receives it. Quantities and prices are decimals carried as **text** from the product to the
 * marketplace: they are checked by a pattern, stored as the product wrote them, and written into the
 * outgoing JSON as number literals of the same digits (`JSON.rawJSON`), so no value ever passes through a
 * binary float (AppDirect's SDK sends Java `BigDecimal`s, JSON numbers of any precision).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** PostgreSQL refuses NUL in text and unpaired surrogates in UTF-8 (the same rule as src/http/input.ts). */
// eslint-disable-next-line no-control-regex -- NUL is what it refuses
const STORABLE = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
const text = (max: number) => z.string().min(1).max(max).regex(STORABLE, 'contains a NUL or an unpaired surrogate');

/**
 * A non-negative decimal as text: up to 18 digits before the point and 10 after, no exponent, no sign.
 * Negative usage (a credit) is not accepted: AppDirect's documentation does not say the billing API takes it.
 */
export const decimalText = z
  .string()
  .regex(/^(0|[1-9]\d{0,17})(\.\d{1,10})?$/, 'a decimal as text, e.g. "12.50" (no exponent, no sign)')
  .meta({ description: 'A decimal as text (never a binary float), e.g. "12.50".', examples: ['12.50'] });

export const usageItemSchema = z
  .strictObject({
    unit: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'an AppDirect pricing unit in capitals, e.g. UNIT, HOUR, GIGABYTE')
      .optional()
      .describe("AppDirect's pricing unit (the SDK's PricingUnit), e.g. UNIT, HOUR, GIGABYTE, USER"),
    customUnit: text(255).optional().describe('A unit of your own, for an edition priced per custom unit'),
    quantity: decimalText,
    price: decimalText
      .optional()
      .describe("Price per unit; left out, the marketplace prices the unit from the edition's pricing"),
    description: text(1000).optional(),
  })
  .refine((item) => item.unit !== undefined || item.customUnit !== undefined, {
    message: 'give unit or customUnit',
    path: ['unit'],
  });

export const usageReportSchema = z
  .strictObject({
    items: z.array(usageItemSchema).min(1).max(100),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code, e.g. USD')
      .describe('ISO 4217 currency of the prices'),
    date: z.iso.datetime({ offset: true }).describe('When the usage happened (an instant)'),
  })
  .meta({ id: 'UsageReport', description: 'Usage to bill on the account (or add-on), for AppDirect billing API.' });

export type UsageReport = z.infer<typeof usageReportSchema>;

/** What makes two reports of one key the same report: where it goes and what it says. */
export function requestHash(parts: {
  kind: string;
  accountId: string;
  addonInstanceId: string | null;
  body: unknown;
}): string {
  // zod returns objects with their keys in the schema's order, so the same report hashes the same.
  return createHash('sha256')
    .update(JSON.stringify([parts.kind, parts.accountId, parts.addonInstanceId, parts.body]))
    .digest('hex');
}

/** `JSON.rawJSON` (Node 21+; not yet in TypeScript's ES2023 lib): a value JSON.stringify writes as it is. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * The JSON text of a v1 billing call (`POST /api/integration/v1/billing/usage`), shaped as the SDK's `Usage`
 * (src/test/resources/events/usage-report-bill-request.json): `account`, `addonInstance`, `items`, `currency`,
 * `date`. Decimals are written as number literals of the product's own digits; `date` as epoch milliseconds,
 * which is how the SDK's Jackson writes a `java.util.Date` (the example has `"date": 0`).
 */
export function billingV1Body(report: UsageReport, accountIdentifier: string, addonInstanceId: string | null): string {
  return JSON.stringify({
    account: { accountIdentifier },
    ...(addonInstanceId ? { addonInstance: { id: addonInstanceId } } : {}),
    items: report.items.map((item) => ({
      ...(item.unit ? { unit: item.unit } : {}),
      ...(item.customUnit ? { customUnit: item.customUnit } : {}),
      quantity: rawJSON(item.quantity),
      ...(item.price ? { price: rawJSON(item.price) } : {}),
      ...(item.description ? { description: item.description } : {}),
    })),
    currency: report.currency,
    date: Date.parse(report.date),
  });
}

/** What the metered-usage v2 API answers when it has the idempotency key already (the SDK's constant). */
export const ALREADY_REPORTED = 'Entry ALREADY exists with idempotencyKey';

/**
 * The JSON text of a metered-usage v2 call, shaped as the SDK's `MeteredUsageRequest` (`meteredusage/model`):
 * `idempotencyKey` (the product's own, the same on every attempt), `billable` (false for a development
 * account, which AppDirect bills nothing), `sourceType` (empty, as the SDK's overloads without one send), and
 * one `usages[]` entry for the account with a `usageList[]` line per item; `eventDate` in the SDK's pattern
 * `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, `eventId` the key and the line's position.
 *
 * Unsure (the SDK does not say, AppDirect's documentation was not at hand): whether `accountId` is the
 * accountIdentifier this service returned or AppDirect's own account id, and what `subscriptionId` holds; we
 * send our accountIdentifier, and an add-on's usage with its addonInstanceId as `subscriptionId`.
 */
export function meteredUsageV2Body(
  report: UsageReport,
  target: { accountIdentifier: string; addonInstanceId: string | null; idempotencyKey: string; billable: boolean },
): string {
  return JSON.stringify({
    idempotencyKey: target.idempotencyKey,
    billable: target.billable,
    sourceType: '',
    usages: [
      {
        accountId: target.accountIdentifier,
        ...(target.addonInstanceId ? { subscriptionId: target.addonInstanceId } : {}),
        usageList: report.items.map((item, index) => ({
          ...(item.unit ? { pricingUnit: item.unit } : {}),
          ...(item.customUnit ? { customUnit: item.customUnit } : {}),
          quantity: rawJSON(item.quantity),
          ...(item.price ? { unitPrice: rawJSON(item.price) } : {}),
          ...(item.description ? { description: item.description } : {}),
          currency: report.currency,
          eventDate: new Date(report.date).toISOString(),
          eventId: `${target.idempotencyKey}#${index + 1}`,
        })),
      },
    ],
  });
}
