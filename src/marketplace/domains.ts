/**
 * AppDirect's domain association calls (the SDK's appmarket/domain/DomainOwnershipController): the DNS records a
 * customer must publish (`DnsRecords`), a domain added (`DomainAdditionPayload`) or removed, and the ownership
 * verification whose result (`DomainVerificationStatus`) is POSTed to AppDirect's callback URL.
 */
import { z } from 'zod';

/** A host name as DNS allows it (letters, digits, hyphens; labels of at most 63; at most 253 in all). */
export const domainName = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+\.?$/,
    'a domain name such as example.com',
  );

export const customerIdentifier = z.string().min(1).max(255);

const ttl = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** The SDK's DnsRecords (each set may be empty). */
export const dnsRecordsSchema = z.strictObject({
  txt: z.array(z.strictObject({ name: z.string().max(253), ttl, text: z.string().max(4096) })).max(50),
  mx: z
    .array(
      z.strictObject({
        destinationDomain: z.string().max(253),
        ttlInSeconds: ttl,
        preferenceNumber: z.number().int().min(0).max(65535),
        mailServerName: z.string().max(253),
      }),
    )
    .max(50),
  cname: z.array(z.strictObject({ name: z.string().max(253), alias: z.string().max(253) })).max(50),
  srv: z
    .array(
      z.strictObject({
        name: z.string().max(253),
        service: z.string().max(253),
        protocol: z.string().max(32),
        port: z.number().int().min(0).max(65535),
        weight: z.number().int().min(0).max(65535),
      }),
    )
    .max(50),
});

export type DnsRecords = z.output<typeof dnsRecordsSchema>;

export const NO_RECORDS: DnsRecords = { txt: [], mx: [], cname: [], srv: [] };

/** The SDK's DomainAdditionPayload. */
export const domainAdditionSchema = z.object({ domainName });

/** The SDK's DomainVerificationStatus, POSTed to AppDirect's callbackUrl. */
export const verificationStatusSchema = z.strictObject({ verified: z.boolean() });
