import { EVENT_ERROR_CODES, HTTP_ERRORS, type HttpErrorEntry } from './catalogue';

const GROUP_ORDER: ReadonlyArray<HttpErrorEntry['group']> = ['Request', 'Authentication', 'Callback', 'Admin', 'Product', 'Server'];

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
    '| Code | AppDirect meaning | When this service reports it | Default message to the user |',
    '|---|---|---|---|',
  );
  for (const [code, entry] of Object.entries(EVENT_ERROR_CODES)) {
    lines.push(`| \`${code}\` | ${cell(entry.appdirect)} | ${cell(entry.usedWhen)} | ${cell(entry.userMessage)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
