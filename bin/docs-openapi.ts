/**
 * Writes the OpenAPI documents generated from the route tables to docs/openapi/ (src/http/surfaces.ts).
 * With --check, exits 1 when a file on disk differs (the test suite checks the same).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { documentFile, renderDocument, SURFACES } from '../src/http/surfaces';

const root = path.join(__dirname, '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const { surface, document } of SURFACES) {
  const target = path.join(root, documentFile(surface));
  const rendered = renderDocument(document());
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // a missing file is simply out of date
    }
    if (current !== rendered) {
      console.error(`${documentFile(surface)} is out of date: run \`npm run docs:openapi\`.`);
      stale += 1;
    }
  } else {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, rendered);
    console.log(`Wrote ${documentFile(surface)}.`);
  }
}
if (check && stale === 0) console.log('docs/openapi is up to date.');
process.exit(stale === 0 ? 0 : 1);
