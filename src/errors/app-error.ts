import { HTTP_ERRORS, fillTemplate, type HttpErrorCode, type HttpErrorParams } from './catalogue';

export interface AppErrorOptions {
  /** Extra structured detail for the body (e.g. the list of invalid fields). */
  readonly details?: unknown;
  /** Response headers that belong to the error (Allow, Retry-After, WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * An error the service returns on purpose. `new AppError('PARAMETER_MISSING', { name: 'eventUrl' })`:
 * the code picks status, message and action from the catalogue; the params fill them.
 */
export class AppError<C extends HttpErrorCode = HttpErrorCode> extends Error {
  readonly status: number;
  readonly action: string;
  readonly details: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: C,
    readonly params: HttpErrorParams<C>,
    options: AppErrorOptions = {},
  ) {
    const entry = HTTP_ERRORS[code];
    const values = params as Record<string, string | number>;
    super(fillTemplate(entry.message, values), { cause: options.cause });
    this.name = 'AppError';
    this.status = entry.status;
    this.action = fillTemplate(entry.action, values);
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** The JSON body of every HTTP error the service sends. */
export interface ErrorBody {
  code: string;
  message: string;
  action: string;
  requestId: string;
  details?: unknown;
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message, action: error.action, requestId };
  if (error.details !== undefined) body.details = error.details;
  return body;
}
