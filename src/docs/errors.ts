import { ACCOUNT_STATUSES, lifecycleRules, restrictionRules } from '../accounts/lifecycle';
import { EVENT_ERROR_CODES, HTTP_ERRORS, type EventErrorEntry, type HttpErrorEntry } from '../errors/catalogue';

const GROUP_ORDER: ReadonlyArray<HttpErrorEntry['group']> = [
  'Request',
  'Authentication',
  'Callback',
  'Admin',
  'Product',
  'Server',
];

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** Renders docs/errors.md from the catalogue; `npm run docs:errors` writes it. */
export function renderErrorReference(): string {
  const lines: string[] = [
    '# Error reference',
    '',
    '<!-- Generated from src/errors/catalogue.ts by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    'Every HTTP error body has the same shape:',
    '',
    '```json',
    '{"code":"PARAMETER_MISSING","message":"Parameter \'eventUrl\' is required.","action":"Send \'eventUrl\'; ...","requestId":"9f1c..."}',
    '```',
    '',
    '`details` is added where it helps (for example the list of invalid fields on 422). `requestId` is also',
    'sent as the `X-Request-Id` header and appears on every log line of the request.',
    '',
    '## HTTP errors',
  ];
  const entries = Object.entries(HTTP_ERRORS) as Array<[string, HttpErrorEntry]>;
  for (const group of GROUP_ORDER) {
    const inGroup = entries.filter(([, entry]) => entry.group === group).sort((a, b) => a[1].status - b[1].status);
    if (inGroup.length === 0) continue;
    lines.push('', `### ${group}`, '', '| Code | HTTP status | Message | What to do |', '|---|---|---|---|');
    for (const [code, entry] of inGroup) {
      const status = `${entry.status} ${STATUS_TEXT[entry.status] ?? ''}`.trim();
      lines.push(`| \`${code}\` | ${status} | ${cell(entry.message)} | ${cell(entry.action)} |`);
    }
  }
  lines.push(
    '',
    '## AppDirect event error codes',
    '',
    'These are never HTTP statuses: they travel in the result object sent to AppDirect',
    '(`{"success":false,"errorCode":"...","message":"..."}`), as the synchronous answer or as the',
    'asynchronous result POST. AppDirect marks the subscription or assignment as failed and shows the message to the user.',
    '',
    'Each code also decides the status the event finishes with here (the admin page, API and CLI show it):',
    '`refused` for a business answer AppDirect shows its user (final; nothing for an operator to do), `failed`',
    'when the service could not do the work (an operator should look, and usually run the event again once the',
    'cause is fixed; the overview lists these under "Needs action").',
    '',
    '| Code | AppDirect meaning | When this service reports it | Default message to the user | Event status, and why |',
    '|---|---|---|---|---|',
  );
  for (const [code, entry] of Object.entries(EVENT_ERROR_CODES) as Array<[string, EventErrorEntry]>) {
    lines.push(
      `| \`${code}\` | ${cell(entry.appdirect)} | ${cell(entry.usedWhen)} | ${cell(entry.userMessage)} | \`${entry.eventStatus}\`: ${cell(entry.statusReason)} |`,
    );
  }
  lines.push('', ...renderSubscriptionStates(), '');
  return lines.join('\n');
}

/** The account state machine of src/accounts/lifecycle.ts: what each event does from each state, and what refuses it. */
function renderSubscriptionStates(): string[] {
  const lines = [
    '## Subscription states',
    '',
    'An account is `active`, `suspended`, `cancelled` or `closed`. Every event that acts on an existing account is',
    'decided against its state by one table (src/accounts/lifecycle.ts); a refusal is reported to AppDirect with the',
    'code below. A new SUBSCRIPTION_ORDER for a company and product whose account is cancelled or closed starts a',
    'new account (a new accountIdentifier); the old one keeps its history.',
    '',
    '### Allowed',
    '',
    '| Action | Events | From → to |',
    '|---|---|---|',
  ];
  const rules = lifecycleRules();
  for (const rule of rules) {
    const moves = rule.moves
      .map(({ from, to }) => (from === to ? `${from} (no change)` : `${from} → ${to}`))
      .join(', ');
    lines.push(`| ${rule.action} | ${cell(rule.events)} | ${moves} |`);
  }
  // Refusals by state, in the style of the Subscriptions catalogue: what is refused, the code, the possible actions.
  lines.push('', '### Refused, by state');
  for (const state of ACCOUNT_STATUSES) {
    const refusals = rules.flatMap((rule) =>
      rule.refusals.filter((refusal) => refusal.from === state).map((refusal) => ({ ...refusal, events: rule.events })),
    );
    if (refusals.length === 0) continue;
    lines.push('', `#### ${state}`, '', '| Events | Code | Description | Possible actions |', '|---|---|---|---|');
    for (const refusal of refusals)
      lines.push(
        `| ${cell(refusal.events)} | \`${refusal.code}\` | ${cell(refusal.message)} | ${cell(refusal.action)} |`,
      );
  }
  lines.push(
    '',
    '### Restrictions (asked before a sale)',
    '',
    'Before it sells an order, a change, a cancel or a (un)assignment, AppDirect asks `POST /api/v2/restrictions`',
    '(README, "Connecting AppDirect"). The account store answers from the same table and seat rules as the events,',
    "with the codes of the SDK's `RestrictionCode`, so an operation it allows succeeds as an event unless the",
    'account changes in between. The product adds its own when `PRODUCT_DECIDE` names `restrictions` (docs/hooks.md).',
    '',
    '| Operation | Restricted when | Code | The event would answer |',
    '|---|---|---|---|',
  );
  for (const rule of restrictionRules())
    lines.push(`| ${cell(rule.operation)} | ${cell(rule.when)} | \`${rule.code}\` | ${cell(rule.event)} |`);
  return lines;
}
