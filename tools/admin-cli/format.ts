/** How the CLI shows the API's answers to people (with --json it prints the answers themselves). */

export type Row = Record<string, unknown>;

/** A plain text table of `columns` (cells cut at 48 characters). */
export function table(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const text = (v: unknown) =>
    v === null || v === undefined ? '' : v instanceof Object ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.min(48, Math.max(c.length, ...rows.map((r) => text(r[c]).length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line([...columns]),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => text(r[c])))),
  ].join('\n');
}

export function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

export interface ProductCallsView {
  calls: Array<Row & { timeline: Row[] }>;
  decisions: Row[];
}

/** The event's product calls: one block per call with its attempts, then the decisions asked. */
export function formatProductCalls(view: ProductCallsView): string {
  const columns = ['at', 'requestId', 'transport', 'outcome', 'httpStatus', 'durationMs', 'error'];
  const blocks = view.calls.map(
    (c) =>
      `product call ${String(c.id)}: ${String(c.kind)} (${String(c.mode)}), ${c.done ? 'taken' : 'owed'}, ${String(c.attempts)} attempt(s)${c.lastError ? `, last error: ${String(c.lastError)}` : ''}\n${table(c.timeline, columns)}`,
  );
  if (view.decisions.length) blocks.push(`decisions asked\n${table(view.decisions, ['kind', ...columns])}`);
  return blocks.join('\n\n');
}

const field = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : (value ?? ''));

/** `events show` for people: the event's fields, its attempts and its result delivery. */
export function formatEvent(
  event: Row & { timeline: Row[]; resultDelivery: (Row & { timeline: Row[] }) | null },
): string {
  const keys = [
    'token',
    'status',
    'type',
    'accountIdentifier',
    'errorCode',
    'lastError',
    'receivedAt',
    'finishedAt',
    'result',
  ];
  const lines = keys.map((key) => `${key.padEnd(18)} ${String(field(event[key]))}`);
  lines.push(
    `\nattempts\n${table(event.timeline, ['attempt', 'startedAt', 'workerId', 'outcome', 'errorCode', 'error', 'durationMs'])}`,
  );
  if (event.resultDelivery)
    lines.push(
      `\nresult delivery: ${String(event.resultDelivery.status)}\n${table(event.resultDelivery.timeline, ['attempt', 'startedAt', 'httpStatus', 'error', 'durationMs'])}`,
    );
  return lines.join('\n');
}

/** `accounts show` for people. */
export function formatAccount(account: Row & { users: Row[]; events: Row[] }): string {
  return [
    ...['accountIdentifier', 'status', 'editionCode', 'pricingDuration', 'maxUsers', 'seatsUsed'].map(
      (key) => `${key.padEnd(18)} ${String(field(account[key]))}`,
    ),
    `\nusers\n${table(account.users, ['name', 'email', 'role', 'uuid'])}`,
    `\nlatest events\n${table(account.events, ['receivedAt', 'status', 'type', 'errorCode', 'token'])}`,
  ].join('\n');
}
