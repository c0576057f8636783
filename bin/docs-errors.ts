/**
 * Writes docs/errors.md from the error catalogue. With --check, exits 1 when the
 * file on disk differs (used by the test suite).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderErrorReference } from '../src/docs/errors';

const target = path.join(__dirname, '..', 'docs', 'errors.md');
const rendered = renderErrorReference();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // a missing file is simply out of date
  }
  if (current !== rendered) {
    console.error('docs/errors.md is out of date: run `npm run docs:errors`.');
    process.exit(1);
  }
  console.log('docs/errors.md is up to date.');
} else {
  writeFileSync(target, rendered);
  console.log(`Wrote ${path.relative(process.cwd(), target)}.`);
}
