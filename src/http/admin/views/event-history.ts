/** An event's history on its page: its attempts, the result owed to AppDirect, results replaced by a rerun. */
import { cells, json, statusBadge, table, timestamp } from './components';
import { html, type SafeHtml } from './html';

export interface EventAttemptRow {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly workerId: string;
  readonly outcome: string;
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface DeliveryAttemptRow {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly httpStatus: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface ResultDeliveryView {
  readonly status: string;
  readonly resultUrl: string;
  readonly body: unknown;
  readonly attempts: number;
  readonly supersededAt: Date | null;
  readonly timeline: readonly DeliveryAttemptRow[];
}

export function attemptsSection(timeline: readonly EventAttemptRow[]): SafeHtml {
  const rows = timeline.map(
    (a) =>
      html`<tr>
        ${cells([a.attempt, timestamp(a.startedAt), a.workerId, a.outcome, a.errorCode, a.error, a.durationMs])}
      </tr>`,
  );
  return html`<h2>Attempts</h2>
    ${table(['#', 'Started', 'Worker', 'Outcome', 'Code', 'Error', 'ms'], rows)}`;
}

export function deliverySection(delivery: ResultDeliveryView | null): SafeHtml {
  if (!delivery)
    return html`<h2>Result delivery</h2>
      <p>No result owed yet.</p>`;
  const rows = delivery.timeline.map(
    (a) =>
      html`<tr>
        ${cells([a.attempt, timestamp(a.startedAt), a.httpStatus, a.error, a.durationMs])}
      </tr>`,
  );
  return html`<h2>Result delivery</h2>
    <p>${statusBadge(delivery.status)} ${delivery.resultUrl}</p>
    ${table(['#', 'Started', 'HTTP', 'Error', 'ms'], rows)}`;
}

/** Results of earlier runs an operator replaced with a rerun (kept, with their attempts' count). */
export function earlierResultsSection(deliveries: readonly ResultDeliveryView[]): SafeHtml | null {
  if (deliveries.length === 0) return null;
  const rows = deliveries.map(
    (d) =>
      html`<tr>
        ${cells([timestamp(d.supersededAt), statusBadge(d.status), json(d.body), d.attempts])}
      </tr>`,
  );
  return html`<h2>Earlier results (before a rerun)</h2>
    ${table(['Superseded', 'Status', 'Result', 'Attempts'], rows, 'earlier-results')}`;
}
