/**
 * The HTTP surfaces, each a route table with its OpenAPI document: the service's own routes (/openapi.json),
 * the admin API (/admin/api/openapi.json) and the product API (/product/api/openapi.json). `npm run
 * docs:openapi` writes the documents to docs/openapi/ (a test keeps them current).
 */
import { ADMIN_API, adminApiDocument } from './admin/api';
import { PRODUCT_API, productApiDocument } from './product/router';
import { SERVICE, serviceDocument } from './routes/service';
import type { Surface } from './route-table/spec';

export const SURFACES: ReadonlyArray<{ readonly surface: Surface; readonly document: () => object }> = [
  { surface: SERVICE, document: serviceDocument },
  { surface: ADMIN_API, document: adminApiDocument },
  { surface: PRODUCT_API, document: productApiDocument },
];

/** docs/openapi/<name>.json as the script writes it. */
export const documentFile = (surface: Surface): string => `docs/openapi/${surface.name}.json`;

/** A document as written to docs/ (stable: the same tables give the same text). */
export const renderDocument = (document: object): string => `${JSON.stringify(document, null, 2)}\n`;
