/**
 * The HTTP server around the Express app, and the answers for requests Express never sees: Node's
 * parser refuses malformed ones (duplicate Content-Length, Transfer-Encoding with Content-Length,
 * oversized or invalid headers, unknown methods, a bad HTTP version) before any route runs, and by
 * default answers them with an empty 400/431. Here they get the catalogue's JSON body with the same
 * status, as do an `Expect:` this server does not do (417) and `CONNECT` (405: this is no proxy).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { AppError, errorBody } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import type { ListenOptions } from '../runtime/listen-address';

/** What a parser error code means, in words a client can act on (no parser internals). */
const PARSER_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /UNEXPECTED_CONTENT_LENGTH|INVALID_CONTENT_LENGTH/,
    'Content-Length is repeated, invalid, or sent with Transfer-Encoding',
  ],
  [
    /INVALID_TRANSFER_ENCODING|INVALID_CHUNK_SIZE|CHUNK_EXTENSIONS/,
    'the chunked body or its Transfer-Encoding is invalid',
  ],
  [
    /INVALID_HEADER_TOKEN|INVALID_HEADER|LF_EXPECTED|CR_EXPECTED/,
    'a header name or value holds characters HTTP does not allow (or uses line folding)',
  ],
  [/INVALID_METHOD/, 'the method is not an HTTP method'],
  [/INVALID_VERSION|INVALID_CONSTANT/, 'the request line is not METHOD SP target SP HTTP/1.1'],
  [/INVALID_URL/, 'the request target is not a valid URL path'],
];

function reasonOf(code: string): string {
  return PARSER_REASONS.find(([pattern]) => pattern.test(code))?.[1] ?? 'the request line or headers are malformed';
}

/** The catalogue error for a parser failure, keeping the status Node would have used. */
export function parserError(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE', {});
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT')
    return new AppError('REQUEST_TIMEOUT', {});
  return new AppError('MALFORMED_REQUEST', { reason: reasonOf(code ?? '') });
}

/** A whole HTTP/1.1 response with the catalogue's body, for a socket Express does not own; the connection closes. */
export function rawErrorResponse(error: AppError, requestId: string = randomUUID()): string {
  const body = JSON.stringify(errorBody(error, requestId));
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': requestId,
    Connection: 'close',
    ...error.headers,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Answers on a socket the parser gave up on, when it can still be written to. */
function answerClientError(error: Error & { code?: string }, socket: Duplex, logger: Logger): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const appError = parserError(error.code);
  logger.warn({ code: error.code, status: appError.status }, 'malformed request refused by the HTTP parser');
  socket.end(rawErrorResponse(appError));
}

/**
 * An HTTP server for `app` with those answers in place. A missing Host on HTTP/1.1 is left to the app
 * (see hostRequired), which answers it like any other bad request.
 */
export function createHttpServer(app: Express, logger: Logger): http.Server {
  const server = http.createServer({ requireHostHeader: false }, app);
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) =>
    answerClientError(error, socket, logger),
  );
  server.on('checkExpectation', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const error = new AppError('EXPECTATION_FAILED', {});
    const requestId = randomUUID();
    const body = JSON.stringify(errorBody(error, requestId));
    res.writeHead(error.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Request-Id': requestId,
      Connection: 'close',
    });
    res.end(body);
  });
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const error = new AppError(
      'METHOD_NOT_ALLOWED',
      { method: 'CONNECT', path: String(req.url).slice(0, 200), allowed: 'GET, HEAD, POST' },
      { headers: { Allow: 'GET, HEAD, POST' } },
    );
    socket.on('error', () => socket.destroy());
    socket.end(rawErrorResponse(error));
  });
  return server;
}

/**
 * Starts `server` listening on exactly `options.host` (never Node's default of every interface) and
 * resolves with the address it is bound to; a port in use or an address this machine does not have
 * rejects with a sentence instead of crashing the process with an 'error' event.
 */
export function listen(server: http.Server, options: ListenOptions): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'the port is in use (set PORT to a free one)'
          : error.code === 'EADDRNOTAVAIL'
            ? 'this machine has no such address (set HOST to one of its addresses, 127.0.0.1 or 0.0.0.0)'
            : error.message;
      reject(new Error(`cannot listen on ${options.host}:${options.port}: ${why}`));
    };
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
