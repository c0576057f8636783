import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError, errorBody } from '../../src/errors/app-error';
import { EVENT_ERROR_CODES, HTTP_ERRORS, fillTemplate } from '../../src/errors/catalogue';
import { renderErrorReference } from '../../src/docs/errors';

describe('error catalogue', () => {
  it('docs/errors.md is the rendering of the catalogue (run `npm run docs:errors` after changing it)', () => {
    const onDisk = readFileSync(path.join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    expect(onDisk).toBe(renderErrorReference());
  });

  it('lists every HTTP error in docs/errors.md with its status, message and action', () => {
    const reference = renderErrorReference();
    for (const [code, entry] of Object.entries(HTTP_ERRORS)) {
      expect(reference).toContain(`| \`${code}\` | ${entry.status} `);
      expect(reference).toContain(entry.action.replace(/\|/g, '\\|'));
    }
  });

  it('covers the HTTP statuses of the contract', () => {
    const statuses = new Set(Object.values(HTTP_ERRORS).map((entry) => entry.status));
    for (const status of [400, 401, 403, 404, 405, 406, 413, 415, 422, 429, 500, 503])
      expect(statuses).toContain(status);
  });

  it('holds exactly the 13 AppDirect event error codes', () => {
    expect(Object.keys(EVENT_ERROR_CODES).sort()).toEqual(
      [
        'USER_ALREADY_EXISTS',
        'USER_NOT_FOUND',
        'ACCOUNT_NOT_FOUND',
        'MAX_USERS_REACHED',
        'UNAUTHORIZED',
        'OPERATION_CANCELLED',
        'CONFIGURATION_ERROR',
        'INVALID_RESPONSE',
        'PENDING',
        'FORBIDDEN',
        'BINDING_NOT_FOUND',
        'TRANSPORT_ERROR',
        'UNKNOWN_ERROR',
      ].sort(),
    );
  });

  it('fills message and action templates from the params', () => {
    const error = new AppError('PARAMETER_MISSING', { name: 'eventUrl' });
    expect(error.status).toBe(400);
    expect(errorBody(error, 'req-1')).toEqual({
      code: 'PARAMETER_MISSING',
      message: "Parameter 'eventUrl' is required.",
      action: "Send 'eventUrl'; see the endpoint's documentation for its format.",
      requestId: 'req-1',
    });
  });

  it('leaves unknown placeholders alone', () => {
    expect(fillTemplate('{known} and {unknown}', { known: 'x' })).toBe('x and {unknown}');
  });
});
