/**
 * What a request body may be wrapped in, checked before any parser reads it: a Content-Encoding
 * (RFC 9110 §8.4) and a charset parameter of the Content-Type. Supported ones are decoded by the
 * parsers (body-parser); anything else is the catalogue's 415 naming what is supported, not a 500.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors/app-error';

/** Encodings body-parser decodes. `x-gzip` is gzip (RFC 9110 §8.4.1.3) and is read as such. */
const DECODED_ENCODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);
const ENCODING_ALIASES = new Map([['x-gzip', 'gzip']]);

/** JSON is Unicode (RFC 8259 §8.1); forms are UTF-8, or ISO-8859-1 from old clients. */
const CHARSETS = {
  json: ['utf-8', 'utf-16', 'utf-16le', 'utf-16be'],
  form: ['utf-8', 'iso-8859-1'],
} as const;

export type BodyKind = keyof typeof CHARSETS;

/** The charset parameter of a Content-Type, lower-cased and unquoted; undefined when absent. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const at = parameter.indexOf('=');
    if (at < 0) continue;
    if (parameter.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return undefined;
}

/**
 * Refuses (415) a body in an encoding or charset the parser of `kind` cannot decode, and names
 * `x-gzip` gzip so the parser decodes it. Requests without a body pass untouched.
 */
export function bodyEncoding(kind: BodyKind) {
  const charsets: readonly string[] = CHARSETS[kind];
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers['content-encoding'];
    if (header !== undefined) {
      const encoding = header.trim().toLowerCase();
      const decoded = ENCODING_ALIASES.get(encoding) ?? encoding;
      if (!DECODED_ENCODINGS.has(decoded)) {
        throw new AppError('UNSUPPORTED_CONTENT_ENCODING', {
          encoding: header.slice(0, 50),
          supported: [...DECODED_ENCODINGS].join(', '),
        });
      }
      req.headers['content-encoding'] = decoded;
    }
    const charset = charsetOf(req.get('content-type'));
    if (charset !== undefined && !charsets.includes(charset)) {
      throw new AppError('UNSUPPORTED_CHARSET', { charset: charset.slice(0, 50), supported: charsets.join(', ') });
    }
    next();
  };
}
