/**
 * Rewrites the generated part of docs/hooks.md (the contract's JSON Schemas) from src/hooks/contract.ts.
 * With --check, exits 1 when the file on disk differs (used by the test suite).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withGeneratedReference } from '../src/docs/hooks';

const target = path.join(__dirname, '..', 'docs', 'hooks.md');
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // a missing file gets the generated part only
}
const rendered = withGeneratedReference(current);

if (process.argv.includes('--check')) {
  if (current !== rendered) {
    console.error('docs/hooks.md is out of date: run `npm run docs:hooks`.');
    process.exit(1);
  }
  console.log('docs/hooks.md is up to date.');
} else {
  writeFileSync(target, rendered);
  console.log(`Wrote ${path.relative(process.cwd(), target)}.`);
}
