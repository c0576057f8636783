/** Paged lists of the admin API (events, undelivered results, product calls not done), every page with --all. */
import { call, type Connection, type Json } from './client';
import type { Options } from './options';

/**
 * GET `path` with `query` and --limit, following nextCursor while --all asks for it: the items of every page
 * read, in the API's order.
 */
export async function readPages(
  connection: Connection,
  path: string,
  query: Record<string, string>,
  options: Options,
): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const search = new URLSearchParams({ ...query, limit: String(options.limit), ...(cursor ? { cursor } : {}) });
    const page = (await call(connection, 'GET', `${path}?${search}`)) as { items: Json[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = options.all ? page.nextCursor : null;
  } while (cursor);
  return items;
}
