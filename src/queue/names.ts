/**
 * Queue names. The key prefix (QUEUE_PREFIX, default `{appdirect}`) is a Redis Cluster hash tag so every
 * key of every queue lands in one slot, as BullMQ requires on a cluster. What each queue's jobs do is in
 * src/jobs (one file per queue).
 */

export const QUEUES = {
  /** Job data: the event token. Applies the event. */
  events: 'events',
  /** Job data: the event token. POSTs the stored result to the marketplace. */
  results: 'results',
  /** Job data: a hook_calls id. Calls the vendor's provisioning hook. */
  hooks: 'hooks',
  /** Job data: a marketplace_reports id. Delivers a report of the product (usage, user sync) to the marketplace. */
  reports: 'reports',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ job ids may not contain ':'; event tokens are URL path segments and may. */
export function jobIdForToken(token: string): string {
  return `evt-${token.replace(/[^A-Za-z0-9_.-]/g, (char) => `~${char.charCodeAt(0).toString(16)}`)}`;
}

/** The job id of a hook call (one job per call). */
export const jobIdForHookCall = (hookCallId: bigint | string): string => `hook-${hookCallId}`;

/** The job id of a report of the product (one job per report). */
export const jobIdForReport = (reportId: bigint | string): string => `report-${reportId}`;
