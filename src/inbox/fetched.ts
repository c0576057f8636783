/**
 * An event's document for its run: the stored one, or fetched from the marketplace now and stored (with the
 * fields the admin views filter on); then read, into a typed document or the early outcome it gets without an
 * apply (a ping test, a document that cannot be read, a type the service does not handle).
 */
import type { Config } from '../config';
import type { Event } from '../db/client';
import type { SqlSource } from '../db/sql';
import { type EventErrorCode } from '../errors/catalogue';
import { MarketplaceError, TransientEventError } from '../errors/internal';
import { isPingTest, parseEventDocument, unstorableReason, type EventDocument } from '../events/schema';
import type { MarketplaceClient } from '../marketplace/client';
import { storeDocument } from './document';
import { early, type EarlyOutcome } from './outcomes';

export interface FetchDeps {
  readonly db: SqlSource;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<Config, 'appdirect'>;
}

/** The raw document, or why it could not be had (a fetch refused for good, a document the store cannot hold). */
export type Fetched = { readonly raw: unknown; readonly failure?: EarlyOutcome };

/**
 * The event's raw document: stored, given (just fetched by the caller), or fetched now; stored when new. A
 * document PostgreSQL could not hold is never stored: INVALID_RESPONSE at once. A fetch that may succeed later
 * throws TransientEventError('fetch'); one that cannot is an early outcome.
 */
export async function documentOf(deps: FetchDeps, event: Event, given: unknown): Promise<Fetched> {
  if (event.payload !== null) return { raw: event.payload };
  let raw = given;
  if (raw === undefined) {
    const consumer = event.consumerKey
      ? deps.config.appdirect.consumerCredentials.find((c) => c.key === event.consumerKey)
      : undefined;
    try {
      raw = await deps.marketplace.fetchEvent(event.eventUrl, { consumer });
    } catch (error) {
      if (error instanceof MarketplaceError && !error.transient) {
        const code: EventErrorCode = error.kind === 'http' ? 'TRANSPORT_ERROR' : 'INVALID_RESPONSE';
        return { raw: undefined, failure: early(code, error.message) };
      }
      throw new TransientEventError('fetch', (error as Error).message, { cause: error });
    }
  }
  const unstorable = unstorableReason(raw);
  if (unstorable)
    return {
      raw,
      failure: early('INVALID_RESPONSE', `not stored: ${unstorable}`, `The event could not be read: ${unstorable}.`),
    };
  await storeDocument(deps.db, event.seq, raw);
  return { raw };
}

/** The event type a document names, read before validation (null when it names none). */
export const typeOf = (raw: unknown): string | null => {
  const type = (raw as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' ? type : null;
};

/** What the run does with a document: apply it, or answer it without an apply. */
export function readEvent(fetched: Fetched): { early: EarlyOutcome } | { document: EventDocument } {
  // A ping test is answered success however sparse (or unstorable) the rest of its document is.
  if (isPingTest(fetched.raw)) return { early: { success: 'Ping test received; nothing was changed.' } };
  if (fetched.failure) return { early: fetched.failure };
  const parsed = parseEventDocument(fetched.raw);
  if ('unsupported' in parsed)
    return {
      early: early(
        'CONFIGURATION_ERROR',
        undefined,
        `Event type ${parsed.unsupported} is not supported by this application.`,
      ),
    };
  if ('problems' in parsed)
    return {
      early: early(
        'INVALID_RESPONSE',
        undefined,
        `The event could not be read: ${parsed.problems.slice(0, 5).join('; ')}.`,
      ),
    };
  return { document: parsed.document };
}
