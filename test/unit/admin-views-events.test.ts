/**
 * The event screens (src/http/admin/views/events.ts, event.ts) rendered from typed data with hostile text
 * in every slot: each value is shown escaped, never markup; tokens in links are percent-encoded.
 */
import { eventsView, type EventRow } from '../../src/http/admin/views/events';
import { confirmRerunView, eventView, type EventScreen } from '../../src/http/admin/views/event';
import type { Viewer } from '../../src/http/admin/views/layout';
import { checkPage, escaped, hostile } from '../support/safe-html';

const viewer: Viewer = { user: hostile('user'), csrf: hostile('csrf') };
const at = new Date('2026-12-07T10:30:00Z');
const TOKEN = `../${hostile('token')}?x#y`;
const href = (path: string) => `href="${escaped(path)}"`;

function row(overrides: Partial<EventRow> = {}): EventRow {
  return {
    token: TOKEN,
    receivedAt: at,
    status: hostile('status'),
    type: hostile('type'),
    errorCode: hostile('errorCode'),
    accountIdentifier: hostile('known-account'),
    companyName: hostile('companyName'),
    attempts: 3,
    ...overrides,
  };
}

function eventScreen(): EventScreen {
  const delivery = (supersededAt: Date | null) => ({
    status: hostile('delivery.status'),
    resultUrl: hostile('resultUrl'),
    body: { message: hostile('delivery.body') },
    attempts: 2,
    supersededAt,
    timeline: [{ attempt: 1, startedAt: at, httpStatus: 503, error: hostile('delivery.error'), durationMs: 12 }],
  });
  const attempt = {
    at,
    requestId: hostile('requestId'),
    transport: hostile('transport'),
    outcome: hostile('outcome'),
    httpStatus: 503,
    durationMs: 40,
    answer: null,
    error: hostile('call.error'),
  };
  return {
    event: {
      token: TOKEN,
      status: 'failed',
      type: null,
      flag: hostile('flag'),
      errorCode: 'TRANSPORT_ERROR',
      accountIdentifier: hostile('unknown-account'),
      result: { message: hostile('result') },
      lastError: hostile('lastError'),
      receivedAt: at,
      finishedAt: null,
      eventUrl: hostile('eventUrl'),
      payload: { note: hostile('payload') },
      timeline: [
        {
          attempt: 1,
          startedAt: at,
          workerId: hostile('workerId'),
          outcome: 'failed',
          errorCode: hostile('attempt.errorCode'),
          error: hostile('attempt.error'),
          durationMs: 5,
        },
      ],
      resultDelivery: delivery(null),
      earlierDeliveries: [delivery(at)],
    },
    productCalls: {
      calls: [
        {
          id: `7"><b>`,
          kind: hostile('call.kind'),
          mode: 'notify',
          done: false,
          attempts: 1,
          lastError: hostile('call.lastError'),
          timeline: [attempt],
        },
      ],
      decisions: [{ ...attempt, error: null, answer: { decision: hostile('answer') } }],
    },
    knownAccounts: new Set(),
    actions: { rerun: true, resendResult: true, cancel: true },
    done: hostile('done'),
  };
}

describe('admin event views', () => {
  it('lists events with every value escaped, tokens and accounts percent-encoded in their links', () => {
    const page = eventsView(
      {
        filter: {
          status: hostile('filter.status'),
          type: hostile('filter.type'),
          accountIdentifier: hostile('filter.account'),
          errorCode: hostile('filter.errorCode'),
        },
        problems: [hostile('problem')],
        statuses: ['failed', hostile('a status')],
        events: [row(), row({ accountIdentifier: hostile('unknown-account') })],
        knownAccounts: new Set([hostile('known-account')]),
      },
      viewer,
    ).toString();
    const links = checkPage(page);
    // The status filter shows as the selected option (an unknown one is said by the handler's problems).
    for (const slot of ['user', 'csrf', 'filter.type', 'filter.account', 'filter.errorCode']) {
      expect(page).toContain(escaped(hostile(slot)));
    }
    for (const slot of ['problem', 'a status', 'status', 'type', 'errorCode', 'companyName', 'unknown-account']) {
      expect(page).toContain(escaped(hostile(slot)));
    }
    expect(page).toContain(href(`/admin/events/${encodeURIComponent(TOKEN)}`));
    expect(page).toContain(href(`/admin/accounts/${encodeURIComponent(hostile('known-account'))}`));
    expect(links.filter((link) => link.url.startsWith('/admin/accounts/'))).toHaveLength(1); // the unknown one is text
    expect(page).toContain('<option value="failed" >failed</option>');
  });

  it('says when no event matches', () => {
    const page = eventsView(
      { filter: {}, problems: [], statuses: ['failed'], events: [], knownAccounts: new Set() },
      viewer,
    ).toString();
    checkPage(page);
    expect(page).toContain('No events match.');
  });

  it('shows an event with every value escaped and its forms posting to encoded paths with the CSRF token', () => {
    const page = eventView(eventScreen(), viewer).toString();
    const links = checkPage(page);
    const slots = [
      'done',
      'flag',
      'unknown-account',
      'lastError',
      'eventUrl',
      'workerId',
      'attempt.errorCode',
      'attempt.error',
      'delivery.status',
      'resultUrl',
      'delivery.error',
      'call.kind',
      'call.lastError',
      'requestId',
      'transport',
      'outcome',
      'call.error',
    ];
    for (const slot of slots)
      expect({ slot, shown: page.includes(escaped(hostile(slot))) }).toEqual({ slot, shown: true });
    // JSON is shown as JSON text, escaped: the result, the deliveries' bodies, the answer, the payload.
    for (const slot of ['result', 'delivery.body', 'answer', 'payload'])
      expect(page).toContain(escaped(JSON.stringify(hostile(slot))).slice(1, -1));
    const base = `/admin/events/${encodeURIComponent(TOKEN)}`;
    expect(links.filter((link) => link.element === 'form').map((link) => link.url)).toEqual([
      '/admin/logout',
      `${base}/rerun`,
      `${base}/resend-result`,
      `${base}/cancel`,
      `${base}/product-calls/${encodeURIComponent(`7"><b>`)}/resend`,
      `${base}/product-calls/reask`,
    ]);
    expect(page.match(/name="_csrf" value="([^"]*)"/g)).toHaveLength(6);
    expect(new Set(page.match(/name="_csrf" value="([^"]*)"/g))).toEqual(
      new Set([`name="_csrf" value="${escaped(hostile('csrf'))}"`]),
    );
    expect(page).toContain('unknown: the event&#39;s document could not be fetched');
  });

  it('shows only the actions that apply, and no product calls section without calls', () => {
    const screen = eventScreen();
    const page = eventView(
      {
        ...screen,
        actions: { rerun: false, resendResult: false, cancel: false },
        productCalls: { calls: [], decisions: [] },
        done: undefined,
      },
      viewer,
    ).toString();
    checkPage(page);
    expect(page).not.toMatch(/id="(rerun|resend-result|cancel)"/);
    expect(page).not.toContain('Product calls');
    expect(page).not.toContain('class="notice"');
  });

  it('asks before a forced rerun, posting force=yes to the encoded path', () => {
    const page = confirmRerunView(TOKEN, 'product-calls/reask', viewer).toString();
    const links = checkPage(page);
    expect(links.map((link) => link.url)).toContain(`/admin/events/${encodeURIComponent(TOKEN)}/product-calls/reask`);
    expect(links.map((link) => link.url)).toContain(`/admin/events/${encodeURIComponent(TOKEN)}`);
    expect(page).toContain('<input type="hidden" name="force" value="yes" />');
    expect(page).toContain('id="confirm-retry"');
  });
});
