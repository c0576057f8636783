/** An event's calls to the vendor's product, each with its attempts, and the operator's two actions. */
import { cells, json, postButton, problem, table, timestamp } from './components';
import { html, url, type SafeHtml } from './html';
import type { Viewer } from './layout';

export interface ProductAttemptRow {
  readonly at: Date;
  readonly requestId: string;
  readonly transport: string;
  readonly outcome: string;
  readonly httpStatus: number | null;
  readonly durationMs: number | null;
  readonly answer: unknown;
  readonly error: string | null;
}

export interface ProductCallView {
  readonly id: string;
  readonly kind: string;
  readonly mode: string;
  readonly done: boolean;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly timeline: readonly ProductAttemptRow[];
}

export interface EventProductCalls {
  readonly calls: readonly ProductCallView[];
  /** Decide attempts (refused, pending and failed ones are only here). */
  readonly decisions: readonly ProductAttemptRow[];
}

function attemptsTable(attempts: readonly ProductAttemptRow[]): SafeHtml {
  const rows = attempts.map(
    (a) =>
      html`<tr>
        ${cells([
          timestamp(a.at),
          html`<code>${a.requestId}</code>`,
          a.transport,
          a.outcome,
          a.httpStatus,
          a.durationMs,
          a.error ?? json(a.answer),
        ])}
      </tr>`,
  );
  return table(['At', 'Request id', 'Transport', 'Outcome', 'HTTP', 'ms', 'Answer or error'], rows);
}

/** Nothing when the event made no call to the product. */
export function productCallsSection(token: string, calls: EventProductCalls, viewer: Viewer): SafeHtml | null {
  if (calls.calls.length === 0 && calls.decisions.length === 0) return null;
  const call = (c: ProductCallView) =>
    html`<h3>${c.kind} (${c.mode}) · ${c.done ? 'taken' : 'owed'} · ${c.attempts} attempt(s)</h3>
      ${c.lastError !== null && problem(c.lastError)}
      ${
        !c.done &&
        c.mode === 'notify' &&
        postButton({
          action: url`/admin/events/${token}/product-calls/${c.id}/resend`,
          csrf: viewer.csrf,
          label: 'Re-send',
          id: `resend-${c.id}`,
        })
      }
      ${c.timeline.length ? attemptsTable(c.timeline) : html`<p>No attempt yet.</p>`}`;
  const reask = postButton({
    action: url`/admin/events/${token}/product-calls/reask`,
    csrf: viewer.csrf,
    label: 'Re-ask the product',
    id: 'reask',
  });
  return html`<h2 id="product-calls">Product calls</h2>
    ${calls.calls.map(call)}
    ${
      calls.decisions.length > 0 &&
      html`<h3>Decisions asked</h3>
        ${reask} ${attemptsTable(calls.decisions)}`
    }`;
}
