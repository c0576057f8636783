/** One event (/admin/events/<token>): what is known of it, its actions, its history, its product calls. */
import { isUnfinished } from '../../../inbox/statuses';
import { accountRef, details, notice, postButton, statusBadge, timestamp } from './components';
import {
  attemptsSection,
  deliverySection,
  earlierResultsSection,
  type EventAttemptRow,
  type ResultDeliveryView,
} from './event-history';
import { productCallsSection, type EventProductCalls } from './event-product-calls';
import { html, url, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';

export interface EventView {
  readonly token: string;
  readonly status: string;
  readonly type: string | null;
  readonly flag: string | null;
  readonly errorCode: string | null;
  readonly accountIdentifier: string | null;
  readonly result: unknown;
  readonly lastError: string | null;
  readonly receivedAt: Date;
  readonly finishedAt: Date | null;
  readonly eventUrl: string;
  readonly payload: unknown;
  readonly timeline: readonly EventAttemptRow[];
  readonly resultDelivery: ResultDeliveryView | null;
  readonly earlierDeliveries: readonly ResultDeliveryView[];
}

export interface EventScreen {
  readonly event: EventView;
  readonly productCalls: EventProductCalls;
  /** Whether the event's account is in the store (its identifier is then a link). */
  readonly knownAccounts: ReadonlySet<string>;
  /** Which buttons apply to the event as it is now. */
  readonly actions: { readonly rerun: boolean; readonly resendResult: boolean; readonly cancel: boolean };
  /** What the last action did (after its redirect). */
  readonly done?: string;
}

/** The event's type as fetched, or why it is not known (an event finishes without one when its fetch failed). */
export function typeText(event: Pick<EventView, 'type' | 'status' | 'errorCode'>): string {
  if (event.type) return event.type;
  if (isUnfinished(event.status)) return 'not known yet: the event has not been fetched';
  if (event.errorCode === 'TRANSPORT_ERROR') return "unknown: the event's document could not be fetched";
  if (event.errorCode === 'INVALID_RESPONSE') return "unknown: the event's document could not be read";
  if (event.status === 'cancelled') return 'unknown: cancelled before the event was fetched';
  return "unknown: the event's document was not fetched";
}

function actionButtons(screen: EventScreen, viewer: Viewer): SafeHtml {
  const token = screen.event.token;
  const button = (action: 'rerun' | 'resend-result' | 'cancel', label: string) =>
    postButton({ action: url`/admin/events/${token}/${action}`, csrf: viewer.csrf, label, id: action });
  return html`<p>
    ${screen.actions.rerun && button('rerun', 'Run again')}
    ${screen.actions.resendResult && button('resend-result', 'Re-send result')}
    ${screen.actions.cancel && button('cancel', 'Cancel')}
  </p>`;
}

export function eventView(screen: EventScreen, viewer: Viewer): SafeHtml {
  const { event } = screen;
  const summary = details([
    ['Status', statusBadge(event.status), 'status'],
    ['Type', `${typeText(event)}${event.flag ? ` · ${event.flag}` : ''}`, 'type'],
    ['Account', accountRef(event.accountIdentifier, screen.knownAccounts), 'account'],
    ['Result', html`<code>${JSON.stringify(event.result ?? null)}</code>`],
    ['Last error', event.lastError],
    ['Received', timestamp(event.receivedAt)],
    ['Finished', timestamp(event.finishedAt)],
    ['Event URL', event.eventUrl],
  ]);
  return layout(
    { title: `Event ${event.token}`, viewer, section: 'events' },
    html`${screen.done && notice(screen.done)}
      <h1>Event ${event.token}</h1>
      ${actionButtons(screen, viewer)} ${summary} ${attemptsSection(event.timeline)}
      ${deliverySection(event.resultDelivery)} ${earlierResultsSection(event.earlierDeliveries)}
      ${productCallsSection(event.token, screen.productCalls, viewer)}
      <h2>Payload</h2>
      <pre>${JSON.stringify(event.payload, null, 2)}</pre>`,
  );
}

/**
 * Asked before an event whose answer AppDirect already received runs again (it gets a second result).
 * `action`: the form's path under the event (`rerun`, `product-calls/reask`), posted again with force.
 */
export function confirmRerunView(token: string, action: 'rerun' | 'product-calls/reask', viewer: Viewer): SafeHtml {
  const confirm = postButton({
    action: action === 'rerun' ? url`/admin/events/${token}/rerun` : url`/admin/events/${token}/product-calls/reask`,
    csrf: viewer.csrf,
    label: 'Run again and send a second result',
    id: 'confirm-retry',
    fields: { force: 'yes' },
  });
  return layout(
    { title: 'Confirm', viewer, section: 'events' },
    html`<h1>Run this event again?</h1>
      <p>
        AppDirect has already received this event's answer. Running it again applies it once more and sends AppDirect a
        second result; the earlier result and its delivery attempts are kept in the history.
      </p>
      ${confirm}
      <a href="/admin/events/${token}">Cancel</a>`,
  );
}
