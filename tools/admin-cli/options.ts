/** Options several commands share, and how a command line value becomes the admin API's. */
import { InvalidArgumentError, Option } from 'commander';
import { EventStatus } from '../../src/generated/prisma/enums';

/** A whole number in [min, max], for options such as --limit (a wrong value is a command-line error). */
export const wholeNumber = (min: number, max: number) => (value: string) => {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max)
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
  return value;
};

/** The admin API takes instants with a time and an offset (2026-03-01T00:00:00Z). */
const instant = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || !Date.parse(value))
    throw new InvalidArgumentError('must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T00:00:00Z.');
  return value;
};

/** Event filters: option -> the admin API's field. */
const FILTERS = {
  status: 'status',
  type: 'type',
  account: 'accountIdentifier',
  company: 'companyUuid',
  errorCode: 'errorCode',
  from: 'from',
  to: 'to',
} as const;

export const filterOptions = (): Option[] => [
  new Option('--status <status>', 'events in this status').choices(Object.values(EventStatus)),
  new Option('--type <type>', 'event type, e.g. SUBSCRIPTION_ORDER'),
  new Option('--account <accountIdentifier>', "the account's events"),
  new Option('--company <companyUuid>', "the company's events"),
  new Option('--error-code <code>', 'events answered with this code, e.g. TRANSPORT_ERROR'),
  new Option('--from <instant>', 'received at or after (ISO 8601 with an offset)').argParser(instant),
  new Option('--to <instant>', 'received before (ISO 8601 with an offset)').argParser(instant),
];

export type Options = Record<string, string | boolean | undefined>;

export function filterOf(options: Options): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [option, field] of Object.entries(FILTERS))
    if (typeof options[option] === 'string') filter[field] = options[option];
  return filter;
}

export const forceOptions = (what: string): Option[] => [
  new Option('--force', `${what} although AppDirect already received its answer (it gets a second result)`),
  new Option('--yes', 'answer yes to the question --force asks (for scripts)'),
];

/** --limit and --all of a paged list (at most `max` per page). */
export const pageOptions = (max: number, byDefault: number): Option[] => [
  new Option('--limit <n>', `items per page (1 to ${max})`).argParser(wholeNumber(1, max)).default(String(byDefault)),
  new Option('--all', 'every page, not only the first'),
];

/** An API path from its segments, each percent-encoded. */
export const apiPath = (...segments: string[]) => `/${segments.map(encodeURIComponent).join('/')}`;
