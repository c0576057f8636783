import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../src/config/schema';
import { SECRET_VARIABLES } from '../../src/config/secret-files';

const ROOT = path.resolve(__dirname, '..', '..');
const schemaNames = Object.keys(envSchema.shape).sort();

/** Variable names in the first column of README's configuration table (`A` / `B` rows name two). */
function readmeTableNames(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\| ([^|]+) \|/.exec(line)?.[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(match[1]!);
  }
  return [...names].sort();
}

/** Names .env.example sets or shows commented out (`# NAME=value`). */
function envExampleNames(): string[] {
  const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  return [...new Set([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!))].sort();
}

describe('configuration documentation', () => {
  it('README lists exactly the variables the config schema reads', () => {
    expect(readmeTableNames()).toEqual(schemaNames);
  });

  it('.env.example lists exactly the variables the config schema reads', () => {
    expect(envExampleNames()).toEqual(schemaNames);
  });

  it('every secret variable that may come from a <NAME>_FILE is one the schema reads, and README says so', () => {
    for (const name of SECRET_VARIABLES) expect(schemaNames).toContain(name);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('_FILE');
  });
});
