/**
 * Issue #25.1: the OpenAPI documents are generated from the route tables, valid OpenAPI 3.1, current in
 * docs/openapi/ (`npm run docs:openapi`), and every route shows what it is for: an example answered with
 * success, and one refused where a route refuses for more than an outage.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HttpErrorCode } from '../../src/errors/catalogue';
import { codesByStatus, codesOf } from '../../src/http/route-table/codes';
import { documentFile, renderDocument, SURFACES } from '../../src/http/surfaces';

const ROOT = path.resolve(__dirname, '..', '..');

/** Refusals a route may answer whatever it is, which no example can ask for without breaking something. */
const OUTAGES: readonly HttpErrorCode[] = [
  'INTERNAL_ERROR',
  'NOT_ACCEPTABLE',
  'DEPENDENCY_UNAVAILABLE',
  'DEPENDENCY_MISCONFIGURED',
  'NOT_READY',
  'ADMIN_DISABLED',
  'PRODUCT_API_DISABLED',
  'CSRF_REJECTED',
];

const routes = SURFACES.flatMap(({ surface }) =>
  surface.routes.map((route) => ({ name: `${route.method.toUpperCase()} ${surface.base}${route.path}`, route })),
);

describe('the OpenAPI documents generated from the route tables', () => {
  it.each(SURFACES.map(({ surface, document }) => [surface.name, document] as const))(
    'the %s document is valid OpenAPI 3.1',
    async (_name, document) => {
      const copy = structuredClone(document()) as unknown as Parameters<typeof SwaggerParser.validate>[0];
      await expect(SwaggerParser.validate(copy)).resolves.toBeDefined();
      expect((document() as { openapi: string }).openapi).toBe('3.1.0');
    },
  );

  it.each(SURFACES.map(({ surface, document }) => [documentFile(surface), document] as const))(
    '%s is the current rendering (run `npm run docs:openapi` after changing a route)',
    (file, document) => {
      expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(renderDocument(document()));
    },
  );

  it('documents every route of every table, with every refusal code it may answer', () => {
    for (const { surface, document } of SURFACES) {
      const paths = (document() as { paths: Record<string, Record<string, { responses: object }>> }).paths;
      for (const route of surface.routes) {
        const operation = paths[route.path]?.[route.method];
        const statuses = [...Object.keys(route.responses), ...[...codesByStatus(route).keys()].map(String)];
        expect({ route: route.path, statuses: Object.keys(operation?.responses ?? {}).sort() }).toEqual({
          route: route.path,
          statuses: statuses.sort(),
        });
      }
    }
  });

  it.each(routes)('$name has a success example, and a refusal where it has one', ({ route }) => {
    const statuses = route.examples.map((example) => example.status);
    expect(statuses.some((status) => status < 300)).toBe(true);
    const refusals = codesOf(route).filter((code) => !OUTAGES.includes(code));
    if (refusals.length > 0)
      expect({ refusals, example: statuses.some((status) => status >= 400) }).toEqual({ refusals, example: true });
    for (const status of statuses)
      expect({ status, declared: status in route.responses || codesByStatus(route).has(status) }).toEqual({
        status,
        declared: true,
      });
  });
});

describe('the HTTP layer stays in small files', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const file = path.join(dir, name);
      return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
    });

  it('has no source file under src/http over 300 lines, and no hand-written OpenAPI', () => {
    const files = sources(path.join(ROOT, 'src', 'http'));
    const long = files
      .map((file) => ({ file: path.relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
    expect(files.filter((file) => /openapi[^/]*\.ts$/.test(file) && !file.includes('route-table'))).toEqual([]);
  });
});
