/** The overview's charts over its window, and their numbers as a table. */
import type { Overview, OverviewBucket } from '../../../admin/overview';
import { FAILURE_CODES } from '../../../errors/catalogue';
import { lineChart, stackedBarChart, type LineSeries, type SeriesStyle } from './charts';
import { html, type SafeHtml } from './html';

const REFUSAL_STYLES: ReadonlyArray<Pick<SeriesStyle, 'color' | 'pattern'>> = [
  { color: '#3b66f0', pattern: 'hatch' },
  { color: '#8a5cd1', pattern: 'dots' },
  { color: '#d98a00', pattern: 'vertical' },
  { color: '#0f8b8d', pattern: 'horizontal' },
  { color: '#a0527a', pattern: 'crosshatch' },
];

/** success, each refusal code seen in the window, failed, cancelled: the order bars are stacked in. */
function outcomeSeries(overview: Overview): SeriesStyle[] {
  const codes = Object.keys(overview.totals.refused).sort();
  return [
    { key: 'succeeded', label: 'success', color: '#2e8b57', pattern: 'solid' },
    ...codes.map((code, i) => ({
      key: code,
      label: `refused: ${code}`,
      ...REFUSAL_STYLES[i % REFUSAL_STYLES.length]!,
    })),
    { key: 'failed', label: 'failed', color: '#b3261e', pattern: 'crosshatch' },
    { key: 'cancelled', label: 'cancelled', color: '#6b7280', pattern: 'dots' },
  ];
}

const LATENCY_SERIES: readonly LineSeries[] = [
  { key: 'p50', label: 'median', color: '#3b66f0', pattern: 'solid', marker: 'circle', dash: '0' },
  { key: 'p95', label: '95th percentile', color: '#b3261e', pattern: 'solid', marker: 'square', dash: '6 3' },
];

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

function outcomeValues(bucket: OverviewBucket): Record<string, number> {
  return { succeeded: bucket.succeeded, ...bucket.refused, failed: sum(bucket.failed), cancelled: bucket.cancelled };
}

const hhmm = (iso: string) => iso.slice(11, 16);
const mmdd = (iso: string) => iso.slice(5, 10);

/** Interval label and a tick every few intervals (every 3 hours over 24 h, every day over 7 days). */
function labels(overview: Overview) {
  return overview.series.map((bucket, index) => ({
    label: `${mmdd(bucket.start)} ${hhmm(bucket.start)}–${hhmm(bucket.end)} UTC`,
    tick: index % 6 === 0 ? (overview.window === '24h' ? hhmm(bucket.start) : mmdd(bucket.start)) : '',
  }));
}

export function charts(overview: Overview): SafeHtml {
  const names = labels(overview);
  const outcomes = stackedBarChart(
    'chart-outcomes',
    'Events finished per interval, by outcome',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: outcomeValues(bucket) })),
    outcomeSeries(overview),
    'events',
    `failed: ${FAILURE_CODES.join(', ')} (the service could not do the work: look, fix, run again). Refused: business answers AppDirect shows its user (nothing to do).`,
  );
  const latency = lineChart(
    'chart-latency',
    'Time from receipt to result (seconds)',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: { p50: bucket.p50Seconds, p95: bucket.p95Seconds } })),
    LATENCY_SERIES,
    's',
  );
  const backlog = stackedBarChart(
    'chart-backlog',
    'Results owed to AppDirect and not yet delivered (end of each interval)',
    overview.series.map((bucket, i) => ({ ...names[i]!, values: { backlog: bucket.deliveryBacklog } })),
    [{ key: 'backlog', label: 'undelivered results', color: '#d98a00', pattern: 'hatch' }],
    'results',
  );
  return html`${outcomes}${latency}${backlog}`;
}

export function numbersTable(overview: Overview): SafeHtml {
  const series = outcomeSeries(overview);
  const names = labels(overview);
  const rows = overview.series.map((bucket, i) => {
    const values = outcomeValues(bucket);
    return html`<tr>
      <th scope="row">${names[i]!.label}</th>
      ${series.map((s) => html`<td>${values[s.key] ?? 0}</td>`)}
      <td>${bucket.p50Seconds}</td>
      <td>${bucket.p95Seconds}</td>
      <td>${bucket.deliveryBacklog}</td>
    </tr>`;
  });
  return html`<details id="numbers">
    <summary>The charts' numbers as a table</summary>
    <table id="overview-table">
      <thead>
        <tr>
          <th scope="col">Interval</th>
          ${series.map((s) => html`<th scope="col">${s.label}</th>`)}
          <th scope="col">median s</th>
          <th scope="col">p95 s</th>
          <th scope="col">undelivered results</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </details>`;
}
