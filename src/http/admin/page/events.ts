/** GET /admin/events: the event list, filtered as asked, failed events first. */
import type { Request, Response } from 'express';
import { knownAccounts } from '../../../admin/accounts';
import { EVENT_STATUSES, listEvents, type EventFilter, type EventStatusName } from '../../../admin/events';
import type { PrismaClient } from '../../../db/client';
import type { AppDeps } from '../../deps';
import { unsafeTextReason } from '../../input';
import { eventsView } from '../views/events';
import { sendView, viewerOf } from './session';

/**
 * The list's filters as typed. A value PostgreSQL cannot compare (NUL, a lone surrogate, over 200
 * characters) can match no event: it is reported and the list is empty, never dropped (that would list
 * every event under a filter that matches none).
 */
export function filterFrom(query: Request['query']): { filter: EventFilter; problems: string[] } {
  const problems: string[] = [];
  const text = (name: string, label: string): string | undefined => {
    const value = query[name];
    if (typeof value !== 'string' || value === '') return undefined;
    const reason = value.length > 200 ? 'is longer than 200 characters' : unsafeTextReason(value);
    if (reason) problems.push(`The ${label} filter ${reason}: no event can match it.`);
    return value;
  };
  const status = text('status', 'status');
  if (status !== undefined && !EVENT_STATUSES.includes(status as EventStatusName))
    problems.push(`There is no status '${status}'.`);
  return {
    filter: {
      status: status as EventStatusName | undefined,
      type: text('type', 'type'),
      accountIdentifier: text('accountIdentifier', 'account'),
      errorCode: text('errorCode', 'error code'),
    },
    problems,
  };
}

/** Up to 100 events: the failed ones first (unless a status is asked for), then the rest, newest first in each. */
async function failedFirst(prisma: PrismaClient, filter: EventFilter) {
  const failed = filter.status ? [] : (await listEvents(prisma, { ...filter, status: 'failed' }, { limit: 50 })).items;
  const rest = (await listEvents(prisma, filter, { limit: 100 })).items;
  return [...failed, ...rest.filter((item) => filter.status || item.status !== 'failed')].slice(0, 100);
}

export const eventsPage = (deps: AppDeps) => async (req: Request, res: Response) => {
  const { filter, problems } = filterFrom(req.query);
  const events = problems.length ? [] : await failedFirst(deps.prisma, filter);
  const known = await knownAccounts(
    deps.prisma,
    events.map((event) => event.accountIdentifier),
  );
  sendView(
    res,
    eventsView({ filter, problems, statuses: EVENT_STATUSES, events, knownAccounts: known }, viewerOf(res)),
  );
};
