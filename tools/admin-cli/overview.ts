/**
 * The text rendering of `appdirect-provisioner-admin overview` (GET /admin/api/overview): what needs
 * action first, then what is in flight, the workers, the queues and the window's outcomes. Field names
 * are those of the OpenAPI schema `Overview`; `--json` prints the answer itself.
 */
import type { Overview } from '../../src/admin/overview';

type Table = (rows: Array<Record<string, unknown>>, columns: string[]) => string;

const age = (seconds: number | null) => {
  if (seconds === null) return '-';
  const s = Math.round(seconds);
  return s < 60
    ? `${s} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min`
      : s < 86_400
        ? `${(s / 3600).toFixed(1)} h`
        : `${(s / 86_400).toFixed(1)} d`;
};

/** One character per interval: how many events finished, on a scale of the window's busiest interval. */
function sparkline(values: number[]): string {
  const marks = ' ▁▂▃▄▅▆▇█';
  const max = Math.max(1, ...values);
  return values.map((v) => marks[v === 0 ? 0 : Math.max(1, Math.round((v / max) * 8))]).join('');
}

export function formatOverview(answer: Record<string, unknown>, table: Table): string {
  const o = answer as unknown as Overview;
  const { failedEvents, undeliveredResults: results, hookCalls, undeliveredReports: reports } = o.needsAction;
  const actions = [
    ...Object.entries(failedEvents.byCode).map(
      ([code, n]) => `${n} event(s) failed with ${code} (events list --status failed --error-code ${code})`,
    ),
    ...(results.failed ? [`${results.failed} result(s) AppDirect has not received: delivery failed for good`] : []),
    ...(results.retrying
      ? [
          `${results.retrying} result(s) being retried after a failed POST (oldest owed ${age(results.oldestPendingAgeSeconds)})`,
        ]
      : []),
    ...(hookCalls.failing ? [`${hookCalls.failing} provisioning-hook call(s) failing`] : []),
    ...(reports.failed
      ? [`${reports.failed} usage report(s) the marketplace has not received: delivery failed for good (usage list)`]
      : []),
    ...(reports.retrying ? [`${reports.retrying} usage report(s) being retried (usage list --state retrying)`] : []),
    ...(o.workers.some((w) => w.state === 'alive') ? [] : ['no worker is running']),
    ...o.workers
      .filter((w) => w.state === 'missing')
      .map((w) => `worker ${w.workerId} missing (last heartbeat ${age(w.lastSeenSecondsAgo)} ago)`),
  ];
  const { now, finishedInWindow } = o.statusCounts;
  const finished = o.series.map(
    (b) =>
      b.succeeded +
      b.cancelled +
      Object.values(b.refused)
        .concat(Object.values(b.failed))
        .reduce((x, y) => x + y, 0),
  );
  const byCode = (counts: Record<string, number>) =>
    Object.keys(counts).length
      ? ` (${Object.entries(counts)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')})`
      : '';
  return [
    `overview, last ${o.window} (${o.from} – ${o.to})`,
    '',
    actions.length ? `NEEDS ACTION\n${actions.map((a) => `  - ${a}`).join('\n')}` : 'needs action: nothing',
    '',
    `now: received ${now.received}, queued ${now.queued}, processing ${now.processing}; ` +
      `oldest waiting: ${o.oldestWaiting ? `${o.oldestWaiting.token} (${o.oldestWaiting.status}, ${age(o.oldestWaiting.ageSeconds)})` : 'none'}`,
    `finished in ${o.window}: succeeded ${finishedInWindow.succeeded}, ` +
      `refused ${finishedInWindow.refused}${byCode(o.totals.refused)}, ` +
      `failed ${finishedInWindow.failed}${byCode(o.totals.failed)}, cancelled ${finishedInWindow.cancelled}`,
    `receipt to result: median ${o.totals.p50Seconds ?? '-'} s, p95 ${o.totals.p95Seconds ?? '-'} s; results not delivered: ${results.pending + results.failed}`,
    `events per ${o.bucketSeconds / 60} min: |${sparkline(finished)}|`,
    '',
    'workers',
    table(
      o.workers.map((w) => ({
        ...w,
        lastSeen: `${age(w.lastSeenSecondsAgo)} ago`,
        runs: Object.entries(w.queues)
          .map(([q, a]) => `${q} ${a.running}/${a.concurrency}`)
          .join(' '),
      })),
      ['workerId', 'state', 'lastSeen', 'runs', 'version'],
    ),
    '',
    'queues',
    o.queues
      ? table(
          Object.entries(o.queues).map(([queue, c]) => ({ queue, ...c })),
          ['queue', 'waiting', 'active', 'delayed', 'failed'],
        )
      : '(Redis did not answer)',
  ].join('\n');
}
